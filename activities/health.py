"""The health-scoring activity: signals from the log, score, and a stored explained record."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.health_scoring import score_health
from activities.health_signals import gather_signals
from core.db import ensure_tenant, insert_or_ignore, session_scope
from core.playbooks import read_playbook_version
from models.health import HealthScoreResult, ScoreRequest
from models.score import HealthScoreRecord
from workflows import activity_names


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
                return HealthScoreResult.model_validate(
                    {
                        "score": stored.score,
                        "risk_level": stored.risk_level,
                        "confidence": stored.confidence,
                        "components": stored.components,
                        "drivers": stored.drivers,
                        "computed_at": stored.computed_at,
                    }
                )
            playbook = read_playbook_version(
                session, request.playbook_name, request.playbook_version
            )
            if playbook is None:
                raise ApplicationError(
                    f"playbook {request.playbook_name}@{request.playbook_version} is not stored",
                    non_retryable=True,
                )
            signals = gather_signals(
                session, request.tenant_id, request.customer_id, playbook.health, request.as_of
            )
            result = score_health(signals, playbook.health, request.as_of)
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
                    }
                ],
                ["idempotency_key"],
            )
            return result
