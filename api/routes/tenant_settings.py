"""The tenant's channel settings: sender address, Slack and webhook targets, fallback owner."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlmodel import Session

from api.deps import Admin, SessionDep, SettingsDep, TenantDep
from core.db import ensure_tenant
from core.url_guard import UnsafeUrl, check_outbound_url
from models.tenant import Tenant, TenantSettingsBase, TenantSettingsPublic, TenantSettingsUpdate

router = APIRouter(prefix="/v1/settings", tags=["settings"], dependencies=[Admin])


def _tenant(session: Session, tenant_id: str) -> Tenant:
    ensure_tenant(session, tenant_id)
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant


def _public(tenant: Tenant) -> TenantSettingsPublic:
    shown = TenantSettingsBase.model_validate(tenant, from_attributes=True).model_dump()
    return TenantSettingsPublic(**shown, webhook_secret_set=tenant.webhook_secret is not None)


@router.get("")
def get_settings(session: SessionDep, tenant: TenantDep) -> TenantSettingsPublic:
    """The settings; the webhook secret is never shown, only whether one is set."""
    return _public(_tenant(session, tenant))


@router.put("")
def put_settings(
    body: TenantSettingsUpdate,
    session: SessionDep,
    tenant: TenantDep,
    settings: SettingsDep,
    request: Request,
) -> TenantSettingsPublic:
    """Replace the settings (fields left out become unset, except the webhook secret)."""
    for field in ("slack_webhook_url", "webhook_url"):
        url = getattr(body, field)
        try:
            if url is not None:
                check_outbound_url(url, allow_private=settings.allow_private_webhooks)
        except UnsafeUrl as err:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field}: {err}") from None
    row = _tenant(session, tenant)
    request.state.audit_before = _public(row).model_dump(mode="json")
    for field in TenantSettingsBase.model_fields:
        setattr(row, field, getattr(body, field))
    if body.webhook_secret is not None:
        row.webhook_secret = body.webhook_secret
    session.add(row)
    session.commit()
    session.refresh(row)
    return _public(row)
