"""Planning a journey's move to another playbook version from its stored event log."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.journey_records import stored_playbook
from core.db import session_scope
from core.event_log import processed_events
from models.journey import MigrationInput
from workflows import activity_names
from workflows.migration import MigrationPlan, plan_migration


class PlaybookMigrationActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.PLAN_MIGRATION)
    def plan_migration(self, request: MigrationInput) -> MigrationPlan:
        """Read-only, so a retry is harmless; a version that is not stored fails for good."""
        with session_scope(self._engine) as session:
            old = stored_playbook(session, request.current)
            new = stored_playbook(session, request.target)
            events = processed_events(
                session, request.tenant_id, request.customer_id, request.waiting_event_ids
            )
        return plan_migration(old, new, request.achievements, request.progress, events)
