"""Page rendering shared by the dashboard routes: layout context, filters from the query."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.dashboard.session import csrf_token
from core.config import PROJECT_ROOT, Settings
from core.dashboard.filters import PortfolioFilter
from models.api_key import Principal
from models.timeutil import utc_now

PAGES = Jinja2Templates(directory=PROJECT_ROOT / "templates" / "dashboard")
FILTER_NAMES = ("from", "to", "segment", "plan", "owner")


def render(
    request: Request, name: str, principal: Principal, active: str, **context: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    flash = request.query_params.get("done") or request.query_params.get("failed")
    return PAGES.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "csrf": csrf_token(settings, request),
            "now": utc_now(),
            "active": active,
            "refresh_seconds": settings.dashboard_refresh_seconds,
            "flash": flash,
            "flash_kind": "error" if "failed" in request.query_params else "",
            "can_act": principal.can_act,
            **context,
        },
    )


def given(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The non-empty query parameters among `names` (what the filter form shows back)."""
    return {n: v for n in names if (v := request.query_params.get(n, "").strip())}


def portfolio_filter(tenant_id: str, filters: dict[str, str]) -> PortfolioFilter:
    return PortfolioFilter(
        tenant_id=tenant_id,
        signed_up_from=_day(filters.get("from")),
        signed_up_to=_day(filters.get("to"), end=True),
        segment=filters.get("segment"),
        plan=filters.get("plan"),
        owner=filters.get("owner"),
    )


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD filter as a UTC instant (the end of the day for `to`); junk is ignored."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


def query_string(values: dict[str, str], **changes: str | int | None) -> str:
    merged: dict[str, str] = {**values}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return urlencode(merged)
