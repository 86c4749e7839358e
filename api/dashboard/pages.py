"""The dashboard's pages: overview, customers, customer detail, tasks, experiments."""

from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from api.dashboard import svg
from api.dashboard.rendering import FILTER_NAMES, given, portfolio_filter, query_string, render
from api.dashboard.session import Staff, StaffPlaybook
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.journeys import journey_state
from api.routes.tasks import public
from core.customers import find_customer
from core.dashboard import charts
from core.dashboard.customer_list import CustomerQuery, filter_options, find_customers
from core.dashboard.kpis import kpis
from core.dashboard.timeline import score_history, timeline
from core.experiment_report import experiment_reports
from models.audit import AuditEntry
from models.customer import Customer
from models.journey import journey_workflow_id
from models.score import HealthScoreRecord
from models.task import CsTask, CsTaskPublic, TaskStatus
from models.timeutil import utc_now

router = APIRouter(prefix="/dashboard", include_in_schema=False)
PAGE_SIZE = 50
COLUMNS = [
    ("customer_id", "Customer"),
    ("name", "Name"),
    ("signed_up_at", "Signed up"),
    ("stage", "Stage"),
    ("health_score", "Health"),
    ("risk_level", "Risk"),
    ("points", "Points"),
    ("mrr", "MRR"),
    ("csm_owner", "Owner"),
]
LIST_FILTERS = ("q", "stage", "risk", "segment", "plan", "owner")


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request, principal: Staff, session: SessionDep, playbook: StaffPlaybook
) -> HTMLResponse:
    filters = given(request, FILTER_NAMES)
    scope = portfolio_filter(principal.tenant_id, filters)
    now = utc_now()
    percent = lambda v: f"{v:.0%}"  # noqa: E731
    chart_svgs = {
        "health": svg.column_chart(
            "Health-score distribution", charts.health_distribution(session, scope)
        ),
        "risk": svg.stacked_weeks(
            "Risk levels per week", charts.risk_over_time(session, scope, now)
        ),
        "cohorts": svg.column_chart(
            "Milestone completion by signup cohort",
            charts.cohort_completion(session, scope, playbook),
            percent,
        ),
        "funnel": svg.bar_list("Onboarding funnel", charts.funnel(session, scope, playbook)),
        "heatmap": svg.heatmap(
            "Engagement heatmap",
            charts.engagement_heatmap(session, scope, now - timedelta(days=28)),
        ),
        "effects": svg.bar_list(
            "Intervention effectiveness",
            [
                charts.Bar(
                    label=e.trigger,
                    value=e.rate,
                    note=f"{e.reached_goal}/{e.reached_customers} reached {e.goal}",
                )
                for e in charts.trigger_effectiveness(session, scope, playbook)
            ],
            percent,
        ),
    }
    return render(
        request,
        "overview.html.j2",
        principal,
        "Overview",
        filters=filters,
        options=filter_options(session, principal.tenant_id),
        kpis=kpis(session, scope, now),
        charts=chart_svgs,
        experiments=experiment_reports(session, principal.tenant_id, playbook),
        query=query_string(filters),
    )


def customer_query(request: Request, tenant_id: str) -> tuple[CustomerQuery, dict[str, str]]:
    filters = given(request, LIST_FILTERS)
    sort = request.query_params.get("sort", "signed_up_at")
    if sort not in dict(COLUMNS):
        sort = "signed_up_at"
    query = CustomerQuery(
        scope=portfolio_filter(tenant_id, filters),
        search=filters.get("q"),
        stage=filters.get("stage"),
        risk_level=filters.get("risk"),
        sort=sort,  # type: ignore[arg-type]
        descending=request.query_params.get("dir", "desc") != "asc",
    )
    return query, filters


@router.get("/customers", response_class=HTMLResponse)
def customers(request: Request, principal: Staff, session: SessionDep) -> HTMLResponse:
    query, filters = customer_query(request, principal.tenant_id)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    rows, total = find_customers(session, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    direction = "desc" if query.descending else "asc"
    state = {**filters, "sort": query.sort, "dir": direction}
    sort_links = {
        key: query_string(
            state,
            sort=key,
            dir="asc" if query.sort == key and query.descending else "desc",
            page=None,
        )
        for key, _ in COLUMNS
    }
    return render(
        request,
        "customers.html.j2",
        principal,
        "Customers",
        customers=rows,
        total=total,
        filters=filters,
        options=filter_options(session, principal.tenant_id),
        columns=COLUMNS,
        sort=query.sort,
        direction=direction,
        sort_links=sort_links,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        page_links={
            "prev": query_string(state, page=page - 1),
            "next": query_string(state, page=page + 1),
        },
        query=query_string(state),
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
async def customer(
    customer_id: str,
    request: Request,
    principal: Staff,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> HTMLResponse:
    found: Customer | None = find_customer(session, principal.tenant_id, customer_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"customer {customer_id!r} not found")
    journey, problem = await journey_state(temporal, principal.tenant_id, customer_id)
    workflow_id = journey_workflow_id(principal.tenant_id, customer_id)
    return render(
        request,
        "customer.html.j2",
        principal,
        "Customers",
        customer=found,
        journey=journey,
        journey_problem=problem,
        latest_score=session.exec(
            select(HealthScoreRecord)
            .where(
                HealthScoreRecord.tenant_id == principal.tenant_id,
                HealthScoreRecord.customer_id == customer_id,
            )
            .order_by(col(HealthScoreRecord.computed_at).desc())
        ).first(),
        score_chart=svg.score_line(
            "Health score history", score_history(session, principal.tenant_id, customer_id)
        ),
        timeline=timeline(session, principal.tenant_id, customer_id),
        audit=session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.tenant_id == principal.tenant_id,
                AuditEntry.customer_id == customer_id,
            )
            .order_by(col(AuditEntry.at).desc())
            .limit(50)
        ).all(),
        tasks=open_tasks(session, principal.tenant_id, customer_id=customer_id),
        temporal_url=f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}"
        f"/workflows/{quote(workflow_id, safe='')}",
    )


def open_tasks(
    session: Session, tenant_id: str, *, customer_id: str | None = None, owner: str | None = None
) -> list[CsTaskPublic]:
    """Open and escalated tasks, the ones due first first (so overdue lead)."""
    query = select(CsTask).where(
        CsTask.tenant_id == tenant_id, col(CsTask.status) != TaskStatus.DONE
    )
    if customer_id is not None:
        query = query.where(CsTask.customer_id == customer_id)
    if owner is not None:
        query = query.where(CsTask.owner == owner)
    return [public(t) for t in session.exec(query.order_by(col(CsTask.due_at)).limit(500))]


@router.get("/tasks", response_class=HTMLResponse)
def tasks(request: Request, principal: Staff, session: SessionDep) -> HTMLResponse:
    owner = request.query_params.get("owner") or None
    found = open_tasks(session, principal.tenant_id, owner=owner)
    now = utc_now()
    return render(
        request,
        "tasks.html.j2",
        principal,
        "Tasks",
        tasks=found,
        overdue=sum(1 for t in found if t.due_at < now),
        owner=owner,
        options={
            "owner": sorted(
                {
                    o
                    for (o,) in session.execute(
                        select(CsTask.owner)
                        .where(CsTask.tenant_id == principal.tenant_id)
                        .distinct()
                    )
                    if o
                }
            )
        },
    )


@router.get("/experiments", response_class=HTMLResponse)
def experiments_page(
    request: Request, principal: Staff, session: SessionDep, playbook: StaffPlaybook
) -> HTMLResponse:
    return render(
        request,
        "experiments.html.j2",
        principal,
        "Experiments",
        experiments=experiment_reports(session, principal.tenant_id, playbook),
    )
