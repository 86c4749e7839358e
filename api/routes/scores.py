"""Health scores for CS staff: why a score is what it is, how it moved, how it compares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from activities.churn_model import churn_estimate, latest_fit, model_status, refit
from activities.health import compute_score, record_to_result, score_history
from activities.health_backtest import backtest, load_outcome_histories
from api.deps import Admin, PlaybookDep, Read, SessionDep, TenantDep
from api.routes.customers import existing_customer
from models.churn import ChurnModelStatus
from models.customer import Customer
from models.health import RiskLevel
from models.health_report import (
    BacktestReport,
    CohortPercentiles,
    CustomerHealth,
    HealthPoint,
    HealthSummary,
    ScoreBucket,
)
from models.score import HealthScoreRecord
from models.timeutil import as_utc, utc_now

router = APIRouter(tags=["health"])
BUCKET_WIDTH = 10


def latest_scores_at(
    session: Session, tenant: str, moment: datetime
) -> dict[str, tuple[float | None, str | None]]:
    """Each customer's last stored score and level at or before `moment`."""
    latest: dict[str, tuple[float | None, str | None]] = {}
    for customer_id, score, level in session.exec(
        select(HealthScoreRecord.customer_id, HealthScoreRecord.score, HealthScoreRecord.risk_level)
        .where(HealthScoreRecord.tenant_id == tenant, col(HealthScoreRecord.computed_at) <= moment)
        .order_by(col(HealthScoreRecord.computed_at), col(HealthScoreRecord.id))
    ):
        latest[customer_id] = (score, level)
    return latest


def _percentile(
    session: Session, tenant: str, score: float, *cohort: ColumnElement[bool]
) -> float | None:
    scored = [col(Customer.tenant_id) == tenant, col(Customer.health_score).is_not(None), *cohort]
    peers = session.exec(select(func.count()).select_from(Customer).where(*scored)).one()
    if not peers:
        return None
    at_or_below = session.exec(
        select(func.count())
        .select_from(Customer)
        .where(*scored, col(Customer.health_score) <= score)
    ).one()
    return round(100.0 * at_or_below / peers, 1)


@router.get("/v1/customers/{customer_id}/health", dependencies=[Read])
def customer_health(
    customer_id: str,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    as_of: Annotated[
        datetime | None, Query(description="Recompute from the event log as of this moment.")
    ] = None,
    history_days: Annotated[int, Query(ge=1, le=730)] = 90,
) -> CustomerHealth:
    """Current score (or the score as of a past moment), its history and cohort percentiles."""
    customer = existing_customer(session, tenant, customer_id)
    moment = as_utc(as_of) if as_of else utc_now()
    stored = score_history(session, tenant, customer_id, before=moment + timedelta(microseconds=1))
    history = [
        HealthPoint(
            computed_at=as_utc(r.computed_at), score=r.score, risk_level=RiskLevel(r.risk_level)
        )
        for r in stored
        if as_utc(r.computed_at) >= moment - timedelta(days=history_days)
    ]
    live = as_of is not None or not stored
    current = (
        compute_score(session, tenant, customer_id, playbook.health, moment)
        if live
        else record_to_result(stored[-1])
    )
    percentiles = CohortPercentiles(segment=None, industry=None, plan=None, tenant=None)
    if current.score is not None:
        percentiles = CohortPercentiles(
            segment=_percentile(
                session, tenant, current.score, col(Customer.segment) == customer.segment
            )
            if customer.segment
            else None,
            industry=_percentile(
                session, tenant, current.score, col(Customer.industry) == customer.industry
            )
            if customer.industry
            else None,
            plan=_percentile(session, tenant, current.score, col(Customer.plan) == customer.plan)
            if customer.plan
            else None,
            tenant=_percentile(session, tenant, current.score),
        )
    return CustomerHealth(
        customer_id=customer_id,
        as_of=as_utc(as_of) if as_of else None,
        computed_live=live,
        current=current,
        history=history,
        percentiles=percentiles,
        churn=churn_estimate(latest_fit(session, tenant), current),
    )


@router.get("/v1/health/churn-model", dependencies=[Read])
def churn_model(session: SessionDep, tenant: TenantDep) -> ChurnModelStatus:
    """The tenant's current churn model and how well it validated, or why there is none."""
    return model_status(latest_fit(session, tenant))


@router.post("/v1/health/churn-model/fit", dependencies=[Admin])
def fit_churn(session: SessionDep, tenant: TenantDep, playbook: PlaybookDep) -> ChurnModelStatus:
    """Refit now from every recorded outcome (the nightly run also refits)."""
    status = refit(
        session, tenant, load_outcome_histories(session, tenant), playbook.health, utc_now()
    )
    session.commit()
    return status


@router.get("/v1/health/backtest", dependencies=[Read])
def health_backtest(
    session: SessionDep, tenant: TenantDep, playbook: PlaybookDep
) -> BacktestReport:
    """How the score did before each recorded churn or renewal (30, 60 and 90 days ahead)."""
    return backtest(load_outcome_histories(session, tenant), playbook.health)


@router.get("/v1/health/summary", dependencies=[Read])
def health_summary(
    session: SessionDep,
    tenant: TenantDep,
    as_of: Annotated[
        datetime | None, Query(description="The portfolio as the stored scores stood then.")
    ] = None,
) -> HealthSummary:
    """The portfolio at a glance: distribution, customers per risk level, MRR at risk."""
    customers = session.exec(
        select(
            Customer.customer_id, Customer.health_score, Customer.risk_level, Customer.mrr
        ).where(Customer.tenant_id == tenant)
    ).all()
    if as_of is None:
        rows = [(score, level, mrr) for _, score, level, mrr in customers]
    else:
        then = latest_scores_at(session, tenant, as_utc(as_of))
        rows = [(*then.get(customer_id, (None, None)), mrr) for customer_id, _, _, mrr in customers]
    scores = [score for score, _, _ in rows if score is not None]
    risk_counts = {level.value: 0 for level in RiskLevel}
    for _, level, _ in rows:
        risk_counts[level or RiskLevel.UNKNOWN.value] += 1
    buckets = [
        ScoreBucket(
            low=low,
            high=low + BUCKET_WIDTH,
            count=sum(
                1
                for s in scores
                if low <= s < low + BUCKET_WIDTH or (low == 100 - BUCKET_WIDTH and s == 100)
            ),
        )
        for low in range(0, 100, BUCKET_WIDTH)
    ]
    return HealthSummary(
        customers=len(rows),
        scored=len(scores),
        average_score=round(sum(scores) / len(scores), 1) if scores else None,
        risk_counts=risk_counts,
        distribution=buckets,
        at_risk_mrr=float(
            sum(mrr or 0.0 for _, level, mrr in rows if level == RiskLevel.AT_RISK.value)
        ),
    )
