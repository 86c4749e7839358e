"""What each customer agreed to receive: set by the product over the API, or by the customer
through the signed unsubscribe link in every email (RFC 8058 one-click included)."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from api.deps import Ingest, IngestOrRead, SessionDep, SettingsDep, TenantDep
from api.routes.customers import existing_customer
from core.preferences import set_preference
from core.signing import verify
from models.preference import Preference, PreferencePublic, PreferenceUpdate

router = APIRouter(prefix="/v1/customers/{customer_id}/preferences", tags=["preferences"])


@router.post("", dependencies=[Ingest])
def update_preference(
    customer_id: str, body: PreferenceUpdate, session: SessionDep, tenant: TenantDep
) -> PreferencePublic:
    """Subscribe or unsubscribe a customer from a channel and category (`any` for all);
    the most specific stored preference decides."""
    existing_customer(session, tenant, customer_id)
    row = set_preference(
        session, tenant, customer_id, body.channel, body.category, body.subscribed, "api"
    )
    session.commit()
    return PreferencePublic.model_validate(row, from_attributes=True)


@router.get("", dependencies=[IngestOrRead])
def list_preferences(
    customer_id: str, session: SessionDep, tenant: TenantDep
) -> list[PreferencePublic]:
    existing_customer(session, tenant, customer_id)
    rows = session.exec(
        select(Preference)
        .where(Preference.tenant_id == tenant, Preference.customer_id == customer_id)
        .order_by(col(Preference.channel), col(Preference.category))
    ).all()
    return [PreferencePublic.model_validate(row, from_attributes=True) for row in rows]


unsubscribe_router = APIRouter(prefix="/v1/unsubscribe", tags=["preferences"])
Token = Annotated[str, Path(max_length=2000, description="The signed token from the email.")]
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">{body}</body></html>"""


def _scope(settings: SettingsDep, token: str) -> dict[str, str]:
    payload = verify(settings, token)
    if payload is None or not all(isinstance(payload.get(k), str) for k in ("t", "c", "ch", "cat")):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this unsubscribe link is not valid")
    return {key: str(value) for key, value in payload.items()}


def _what(scope: dict[str, str]) -> str:
    return f"{escape(scope['cat'].replace('_', ' '))} messages by {escape(scope['ch'])}"


@unsubscribe_router.get("/{token}", response_class=HTMLResponse)
def confirm_page(token: Token, settings: SettingsDep) -> HTMLResponse:
    """A page with one button: mail scanners follow links, so a GET never unsubscribes."""
    scope = _scope(settings, token)
    body = (
        f"<p>Stop receiving {_what(scope)}?</p>"
        f'<form method="post" action="/v1/unsubscribe/{escape(token)}">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return HTMLResponse(PAGE.format(title="Unsubscribe", body=body))


@unsubscribe_router.post("/{token}", response_class=HTMLResponse)
def unsubscribe(token: Token, settings: SettingsDep, session: SessionDep) -> HTMLResponse:
    """The button, and mail clients' one-click unsubscribe (RFC 8058); idempotent."""
    scope = _scope(settings, token)
    set_preference(session, scope["t"], scope["c"], scope["ch"], scope["cat"], False, "link")
    session.commit()
    body = f"<p>Done: you will no longer receive {_what(scope)}.</p>"
    return HTMLResponse(PAGE.format(title="Unsubscribed", body=body))
