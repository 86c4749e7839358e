"""Bookkeeping of the engagement engine: experiment exposures and CS task outcomes."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col
from temporalio import activity

from core.db import ensure_tenant, insert_or_ignore, session_scope
from models.engagement import ExposureRecord, TaskOutcome
from models.experiment import ExperimentExposure
from models.task import CsTask, TaskStatus
from models.tenant import Tenant
from models.timeutil import utc_now
from workflows import activity_names


class EngagementRecordActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.RECORD_EXPOSURE)
    def record_exposure(self, record: ExposureRecord) -> None:
        """One row per customer and experiment; the conversion is filled in once."""
        exposure = record.exposure
        with session_scope(self._engine) as session:
            ensure_tenant(session, record.tenant_id)
            insert_or_ignore(
                session,
                ExperimentExposure,
                [
                    {
                        "tenant_id": record.tenant_id,
                        "experiment": exposure.experiment,
                        "customer_id": record.customer_id,
                        "variant": exposure.variant,
                        "exposed_at": exposure.at,
                    }
                ],
                ["tenant_id", "experiment", "customer_id"],
            )
            if exposure.converted_at is not None:
                session.execute(
                    update(ExperimentExposure)
                    .where(
                        col(ExperimentExposure.tenant_id) == record.tenant_id,
                        col(ExperimentExposure.experiment) == exposure.experiment,
                        col(ExperimentExposure.customer_id) == record.customer_id,
                        col(ExperimentExposure.converted_at).is_(None),
                    )
                    .values(converted_at=exposure.converted_at)
                )

    @activity.defn(name=activity_names.RECORD_TASK_OUTCOME)
    def record_task_outcome(self, outcome: TaskOutcome) -> None:
        """An overwrite of the task's row by its key: a retry writes the same thing. An
        escalated task goes to the tenant's fallback owner."""
        now = utc_now()
        values: dict[str, object]
        if outcome.outcome == "done":
            values = {
                "status": TaskStatus.DONE,
                "completed_at": now,
                "completed_by": outcome.actor,
                "note": outcome.note or None,
            }
        with session_scope(self._engine) as session:
            if outcome.outcome == "escalated":
                tenant = session.get(Tenant, outcome.tenant_id)
                fallback = outcome.escalated_to or (tenant.fallback_owner if tenant else None)
                values = {"status": TaskStatus.ESCALATED, "escalated_at": now}
                if fallback is not None:
                    values |= {"escalated_to": fallback, "owner": fallback}
            session.execute(
                update(CsTask)
                .where(
                    col(CsTask.tenant_id) == outcome.tenant_id,
                    col(CsTask.idempotency_key) == outcome.idempotency_key,
                    col(CsTask.status) != TaskStatus.DONE,
                )
                .values(**values)
            )
