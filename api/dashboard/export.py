"""CSV exports: the customer list under the current filters, and the KPI table."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.dashboard.pages import customer_query
from api.dashboard.rendering import FILTER_NAMES, given, portfolio_filter
from api.dashboard.session import Staff
from api.deps import SessionDep
from core.dashboard.customer_list import find_customers
from core.dashboard.kpis import kpis
from models.timeutil import utc_now

router = APIRouter(prefix="/dashboard", include_in_schema=False)
CUSTOMER_FIELDS = [
    "customer_id",
    "name",
    "email",
    "plan",
    "segment",
    "csm_owner",
    "mrr",
    "signed_up_at",
    "stage",
    "journey_status",
    "health_score",
    "risk_level",
    "points",
    "time_to_value_hours",
]


def _csv(rows: list[list[object]], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas: defuse them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@router.get("/customers.csv")
def customers_csv(request: Request, principal: Staff, session: SessionDep) -> Response:
    query, _ = customer_query(request, principal.tenant_id)
    found, _ = find_customers(session, query, limit=None)
    rows: list[list[object]] = [list(CUSTOMER_FIELDS)]
    rows += [[_cell(getattr(c, field)) for field in CUSTOMER_FIELDS] for c in found]
    return _csv(rows, "customers.csv")


@router.get("/kpis.csv")
def kpis_csv(request: Request, principal: Staff, session: SessionDep) -> Response:
    scope = portfolio_filter(principal.tenant_id, given(request, FILTER_NAMES))
    rows: list[list[object]] = [["kpi", "value"]]
    rows += [[label, value] for label, value in kpis(session, scope, utc_now()).rows()]
    return _csv(rows, "kpis.csv")
