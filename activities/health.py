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
from models.event import Event
from models.health import HealthScoreResult, RiskLevel, ScoreRequest
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


def compute_score(
    session: Session, tenant_id: str, customer_id: str, config: HealthConfig, as_of: datetime
) -> HealthScoreResult:
    """The score as of `as_of`, against the history stored before it."""
    as_of = as_utc(as_of)
    customer = find_customer(session, tenant_id, customer_id)
    plan = customer.plan if customer else None
    segment = customer.segment if customer else None
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
    )


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
        }
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
            ensure_tenant(session, request.tenant_id)
            insert_or_ignore(
                session,
                HealthScoreRecord,
                [
                    {
                        "tenant_id": request.tenant_id,
                        "customer_id": request.customer_id,
                        "idempotency_key": request.idempotency_key,
                        "computed_at": result.computed_at,
                        "score": result.score,
                        "risk_level": result.risk_level.value,
                        "confidence": result.confidence,
                        "components": [c.model_dump(mode="json") for c in result.components],
                        "drivers": result.drivers,
                        "trend": result.trend.model_dump(mode="json"),
                        "warnings": result.warnings,
                    }
                ],
                ["idempotency_key"],
            )
            return result
