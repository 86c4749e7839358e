"""The health-scoring activity: features from the log, score, and a stored explained record."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.health_features import HealthFeatures, extract_features, lookback_days
from activities.health_scoring import score_customer
from activities.health_trend import ScorePoint
from core.customers import find_customer
from core.db import ensure_tenant, insert_or_ignore, session_scope
from core.playbooks import read_playbook_version
from models.cohort import CohortReference, cohort_key
from models.event import Event
from models.health import HealthScoreResult, RiskLevel, ScoreRequest
from models.override import HealthOverride
from models.playbook import HealthConfig
from models.score import HealthScoreRecord
from models.timeutil import as_utc
from workflows import activity_names

HISTORY_DAYS = 90


def customer_features(
    session: Session,
    tenant_id: str,
    customer_id: str,
    config: HealthConfig,
    plan: str | None,
    as_of: datetime,
) -> HealthFeatures:
    """Features as of any moment: events after `as_of` are not read."""
    rows = session.exec(
        select(Event.name, Event.occurred_at, Event.properties).where(
            Event.tenant_id == tenant_id,
            Event.customer_id == customer_id,
            col(Event.occurred_at) <= as_of,
            col(Event.occurred_at) > as_of - timedelta(days=lookback_days(config)),
        )
    ).all()
    return extract_features(rows, config, plan, as_of)


def score_history(
    session: Session, tenant_id: str, customer_id: str, before: datetime
) -> list[HealthScoreRecord]:
    return list(
        session.exec(
            select(HealthScoreRecord)
            .where(
                HealthScoreRecord.tenant_id == tenant_id,
                HealthScoreRecord.customer_id == customer_id,
                col(HealthScoreRecord.computed_at) < before,
                col(HealthScoreRecord.computed_at) >= before - timedelta(days=HISTORY_DAYS),
            )
            .order_by(col(HealthScoreRecord.computed_at))
        ).all()
    )


def active_overrides(
    session: Session, tenant_id: str, customer_ids: list[str] | None, as_of: datetime
) -> dict[str, list[HealthOverride]]:
    """Overrides in force at `as_of`, per customer (all customers of the tenant when None)."""
    query = select(HealthOverride).where(
        HealthOverride.tenant_id == tenant_id,
        col(HealthOverride.created_at) <= as_of,
        col(HealthOverride.expires_at) > as_of,
    )
    if customer_ids is not None:
        query = query.where(col(HealthOverride.customer_id).in_(customer_ids))
    found: dict[str, list[HealthOverride]] = {}
    for override in session.exec(query.order_by(col(HealthOverride.id))).all():
        if override.active_at(as_of):
            found.setdefault(override.customer_id, []).append(override)
    # The newest override of a component wins.
    return {
        customer: list({o.component: o for o in overrides}.values())
        for customer, overrides in found.items()
    }


def compute_score(
    session: Session, tenant_id: str, customer_id: str, config: HealthConfig, as_of: datetime
) -> HealthScoreResult:
    """The score as of `as_of`, against the history stored before it."""
    as_of = as_utc(as_of)
    customer = find_customer(session, tenant_id, customer_id)
    plan = customer.plan if customer else None
    segment = customer.segment if customer else None
    cohort = reference = None
    if config.normalisation == "cohort_percentile":
        cohort = cohort_key(
            config.cohort_by,
            segment=segment,
            industry=customer.industry if customer else None,
            plan=plan,
        )
        reference = latest_reference(session, tenant_id, cohort, as_of)
    features = customer_features(session, tenant_id, customer_id, config, plan, as_of)
    history = score_history(session, tenant_id, customer_id, as_of)
    points = [ScorePoint(as_utc(r.computed_at), r.score) for r in history if r.score is not None]
    return score_customer(
        features,
        config,
        segment=segment,
        previous_level=RiskLevel(history[-1].risk_level) if history else None,
        history=points,
        as_of=as_of,
        overrides=active_overrides(session, tenant_id, [customer_id], as_of).get(customer_id, []),
        cohort=cohort,
        reference=reference,
    )


def latest_reference(
    session: Session, tenant_id: str, cohort: str, as_of: datetime
) -> dict[str, list[float]] | None:
    """The cohort's raw component values from the last portfolio run at or before `as_of`."""
    row = session.exec(
        select(CohortReference)
        .where(
            CohortReference.tenant_id == tenant_id,
            CohortReference.cohort == cohort,
            col(CohortReference.computed_at) <= as_of,
        )
        .order_by(col(CohortReference.computed_at).desc(), col(CohortReference.id).desc())
    ).first()
    return None if row is None else row.values


def record_to_result(record: HealthScoreRecord) -> HealthScoreResult:
    return HealthScoreResult.model_validate(
        {
            "score": record.score,
            "risk_level": record.risk_level,
            "confidence": record.confidence,
            "components": record.components,
            "drivers": record.drivers,
            "computed_at": as_utc(record.computed_at),
            "trend": record.trend or {},
            "warnings": record.warnings or [],
            "overrides": record.overrides or [],
            "normalisation": record.normalisation or "thresholds",
        }
    )


def store_score(
    session: Session, tenant_id: str, customer_id: str, key: str, result: HealthScoreResult
) -> None:
    """Keep a score with everything that explains it; the key makes a repeat a no-op."""
    ensure_tenant(session, tenant_id)
    insert_or_ignore(
        session,
        HealthScoreRecord,
        [
            {
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "idempotency_key": key,
                "computed_at": result.computed_at,
                "score": result.score,
                "risk_level": result.risk_level.value,
                "confidence": result.confidence,
                "components": [c.model_dump(mode="json") for c in result.components],
                "drivers": result.drivers,
                "trend": result.trend.model_dump(mode="json"),
                "warnings": result.warnings,
                "overrides": [o.model_dump(mode="json") for o in result.overrides],
                "normalisation": result.normalisation,
            }
        ],
        ["idempotency_key"],
    )


class HealthActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.SCORE_HEALTH)
    def score_health(self, request: ScoreRequest) -> HealthScoreResult:
        """Score as of the request's time; a retry returns the score stored by the first try."""
        with session_scope(self._engine) as session:
            stored = session.exec(
                select(HealthScoreRecord).where(
                    HealthScoreRecord.idempotency_key == request.idempotency_key
                )
            ).first()
            if stored is not None:
                return record_to_result(stored)
            playbook = read_playbook_version(
                session, request.playbook_name, request.playbook_version
            )
            if playbook is None:
                raise ApplicationError(
                    f"playbook {request.playbook_name}@{request.playbook_version} is not stored",
                    non_retryable=True,
                )
            result = compute_score(
                session, request.tenant_id, request.customer_id, playbook.health, request.as_of
            )
            store_score(
                session, request.tenant_id, request.customer_id, request.idempotency_key, result
            )
            return result
