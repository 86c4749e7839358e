"""Nightly portfolio scoring: every customer of a tenant in one vectorised batch.

One query for the events, one for the score history, NumPy for the scores, one bulk insert for
the records and one bulk update for the customer rows. Returns the customers whose risk level
moved, so the workflow signals only those journeys.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.churn_model import refit
from activities.health import active_overrides
from activities.health_backtest import load_outcome_histories
from activities.health_engine import (
    FeatureTable,
    level_codes,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_explain import explain
from activities.health_features import EventRow, extract_features, lookback_days
from activities.health_scoring import applied_overrides, mark_overridden, normalisation_label
from activities.health_trend import ScorePoint, early_warnings, score_trend
from core.db import insert_or_ignore, session_scope
from core.playbooks import read_playbook_version
from models.churn import ChurnModelStatus
from models.cohort import CohortReference, cohort_key
from models.customer import Customer
from models.event import Event
from models.health import PortfolioRequest, PortfolioResult, RiskChange, RiskLevel
from models.playbook import HealthConfig
from models.score import HealthScoreRecord
from models.tenant import Tenant
from models.timeutil import as_utc
from workflows import activity_names

TREND_HISTORY_DAYS = 45


def _events_by_customer(
    session: Session, tenant_id: str, config: HealthConfig, request: PortfolioRequest
) -> dict[str, list[EventRow]]:
    oldest = request.as_of - timedelta(days=lookback_days(config))
    grouped: dict[str, list[EventRow]] = defaultdict(list)
    for customer_id, name, at, properties in session.exec(
        select(Event.customer_id, Event.name, Event.occurred_at, Event.properties).where(
            Event.tenant_id == tenant_id,
            col(Event.occurred_at) <= request.as_of,
            col(Event.occurred_at) > oldest,
        )
    ):
        grouped[customer_id].append((name, as_utc(at), properties))
    return grouped


def _history_by_customer(
    session: Session, tenant_id: str, request: PortfolioRequest
) -> tuple[dict[str, list[ScorePoint]], dict[str, RiskLevel]]:
    """Recent scores for the trend, and each customer's level before this run.

    The level comes from stored scores before `as_of`, never from the customer row, so a retried
    run still finds the same changes (and signals them).
    """
    grouped: dict[str, list[ScorePoint]] = defaultdict(list)
    last_level: dict[str, RiskLevel] = {}
    rows = session.exec(
        select(
            HealthScoreRecord.customer_id,
            HealthScoreRecord.computed_at,
            HealthScoreRecord.score,
            HealthScoreRecord.risk_level,
        )
        .where(
            HealthScoreRecord.tenant_id == tenant_id,
            col(HealthScoreRecord.computed_at) < request.as_of,
            col(HealthScoreRecord.computed_at)
            >= request.as_of - timedelta(days=TREND_HISTORY_DAYS),
        )
        .order_by(col(HealthScoreRecord.computed_at))
    )
    for customer_id, at, score, level in rows:
        last_level[customer_id] = RiskLevel(level)
        if score is not None:
            grouped[customer_id].append(ScorePoint(as_utc(at), score))
    return grouped, last_level


def score_portfolio(engine: Engine, request: PortfolioRequest) -> PortfolioResult:
    started = time.perf_counter()
    with session_scope(engine) as session:
        playbook = read_playbook_version(session, request.playbook_name, request.playbook_version)
        if playbook is None:
            raise ApplicationError(
                f"playbook {request.playbook_name}@{request.playbook_version} is not stored",
                non_retryable=True,
            )
        config = playbook.health
        customers = session.exec(
            select(Customer.customer_id, Customer.plan, Customer.segment, Customer.industry)
            .where(
                Customer.tenant_id == request.tenant_id,
                col(Customer.signed_up_at) <= request.as_of,  # a past as_of: who existed then
            )
            .order_by(col(Customer.customer_id))
        ).all()
        events = _events_by_customer(session, request.tenant_id, config, request)
        history, last_level = _history_by_customer(session, request.tenant_id, request)
        overrides = active_overrides(session, request.tenant_id, None, request.as_of)
    if not customers:
        return PortfolioResult(tenant_id=request.tenant_id, scored=0, changed=[], seconds=0.0)

    features = [
        extract_features(events.get(customer_id, []), config, plan, request.as_of)
        for customer_id, plan, _, _ in customers
    ]
    weights = weight_matrix(config, [segment for _, _, segment, _ in customers])
    cohorts = None
    if config.normalisation == "cohort_percentile":
        cohorts = [
            cohort_key(config.cohort_by, segment=segment, industry=industry, plan=plan)
            for _, plan, segment, industry in customers
        ]
    manual = {
        index: {o.component: o.score for o in overrides[customer_id]}
        for index, (customer_id, _, _, _) in enumerate(customers)
        if customer_id in overrides
    }
    scores = score_table(
        FeatureTable.from_features(features), config, weights, manual, cohorts=cohorts
    )
    previous = [last_level.get(customer_id) for customer_id, _, _, _ in customers]
    levels = risk_levels(scores.score, level_codes(previous), config)

    records, mirror, changed = [], [], []
    for index, (customer_id, _, _, _) in enumerate(customers):
        value = float(scores.score[index])
        score = None if math.isnan(value) else round(value, 1)
        components, drivers = explain(
            features[index], scores.components[index], scores.weights[index], config
        )
        applied = applied_overrides(
            overrides.get(customer_id, []),
            scores.computed_components[index],
            float(scores.computed_score[index]),
        )
        components = mark_overridden(components, applied)
        points = history.get(customer_id, [])
        current = ScorePoint(request.as_of, score) if score is not None else None
        records.append(
            {
                "tenant_id": request.tenant_id,
                "customer_id": customer_id,
                "idempotency_key": f"{request.run_key}/{customer_id}",
                "computed_at": request.as_of,
                "score": score,
                "risk_level": levels[index].value,
                "confidence": round(float(scores.confidence[index]), 3),
                "components": [c.model_dump(mode="json") for c in components],
                "drivers": drivers,
                "trend": score_trend(points, current).model_dump(mode="json") if current else {},
                "warnings": early_warnings(points, current, config.early_warning)
                if current
                else [],
                "overrides": [o.model_dump(mode="json") for o in applied],
                "normalisation": normalisation_label(config, cohorts[index] if cohorts else None),
            }
        )
        mirror.append({"key": customer_id, "score": score, "risk": levels[index].value})
        before = previous[index]
        if before not in (None, RiskLevel.UNKNOWN) and before is not levels[index]:
            changed.append(
                RiskChange(
                    customer_id=customer_id,
                    previous=before,
                    current=levels[index],
                    score=score,
                    computed_at=request.as_of,
                )
            )
    with session_scope(engine) as session:
        insert_or_ignore(session, HealthScoreRecord, records, ["idempotency_key"])
        stored = set(
            session.exec(
                select(CohortReference.cohort).where(
                    CohortReference.tenant_id == request.tenant_id,
                    CohortReference.run_key == request.run_key,
                )
            ).all()
        )
        for cohort, values in (scores.references or {}).items():
            if cohort in stored:  # a retried run
                continue
            session.add(
                CohortReference(
                    tenant_id=request.tenant_id,
                    cohort=cohort,
                    computed_at=request.as_of,
                    run_key=request.run_key,
                    values=values,
                )
            )
        customers_table = Customer.__table__  # type: ignore[attr-defined]
        session.execute(  # Core executemany: one round of bulk updates, not an ORM load
            update(customers_table)
            .where(
                customers_table.c.tenant_id == request.tenant_id,
                customers_table.c.customer_id == bindparam("key"),
            )
            .values(health_score=bindparam("score"), risk_level=bindparam("risk")),
            mirror,
        )
    return PortfolioResult(
        tenant_id=request.tenant_id,
        scored=len(customers),
        changed=changed,
        seconds=round(time.perf_counter() - started, 3),
    )


class PortfolioActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.LIST_TENANTS)
    def list_tenants(self) -> list[str]:
        with session_scope(self._engine) as session:
            return list(session.exec(select(Tenant.id).order_by(col(Tenant.id))).all())

    @activity.defn(name=activity_names.FIT_CHURN_MODEL)
    def fit_churn_model(self, request: PortfolioRequest) -> ChurnModelStatus:
        """Refit the tenant's churn model on every outcome recorded so far."""
        with session_scope(self._engine) as session:
            playbook = read_playbook_version(
                session, request.playbook_name, request.playbook_version
            )
            if playbook is None:
                raise ApplicationError("playbook is not stored", non_retryable=True)
            histories = load_outcome_histories(session, request.tenant_id)
            return refit(session, request.tenant_id, histories, playbook.health, request.as_of)

    @activity.defn(name=activity_names.SCORE_PORTFOLIO)
    def score_portfolio(self, request: PortfolioRequest) -> PortfolioResult:
        """Idempotent per run key: a retry re-scores and inserts nothing twice."""
        return score_portfolio(self._engine, request)
