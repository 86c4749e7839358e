"""Bookkeeping activities of the journey: the playbook it runs and what it has achieved."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.customers import find_customer
from core.db import ensure_tenant, insert_or_ignore, session_scope
from core.playbooks import read_playbook_version
from models.achievement import BadgeAward, MilestoneAchievement
from models.customer import Customer
from models.journey import JourneyProgress, MilestoneRecord
from models.playbook import Playbook, PlaybookRef
from models.timeutil import utc_now
from workflows import activity_names


def stored_playbook(session: Session, ref: PlaybookRef) -> Playbook:
    """A version a workflow pinned; one that is not stored is a permanent failure."""
    playbook = read_playbook_version(session, ref.name, ref.version)
    if playbook is None:
        raise ApplicationError(
            f"playbook {ref.name!r} version {ref.version!r} is not stored",
            type="PlaybookNotFound",
            non_retryable=True,
        )
    return playbook


class JourneyRecordActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.LOAD_PLAYBOOK)
    def load_playbook(self, ref: PlaybookRef) -> Playbook:
        """The exact version the workflow pinned; a missing one is a permanent failure."""
        with session_scope(self._engine) as session:
            return stored_playbook(session, ref)

    @activity.defn(name=activity_names.RECORD_MILESTONE)
    def record_milestone(self, record: MilestoneRecord) -> None:
        """Unique per customer and milestone, so a retry writes nothing twice."""
        achievement = record.achievement
        with session_scope(self._engine) as session:
            ensure_tenant(session, record.tenant_id)
            signup = record.signup_at
            if signup is None:
                customer = find_customer(session, record.tenant_id, record.customer_id)
                signup = customer.signed_up_at if customer else None
            hours = (
                None
                if signup is None
                else (achievement.achieved_at - signup).total_seconds() / 3600
            )
            insert_or_ignore(
                session,
                MilestoneAchievement,
                [
                    {
                        "tenant_id": record.tenant_id,
                        "customer_id": record.customer_id,
                        "milestone_key": achievement.milestone_key,
                        "achieved_at": achievement.achieved_at,
                        "event_id": achievement.event_id,
                        "points": achievement.points,
                        "hours_to_reach": hours,
                        "playbook_version": record.playbook_version,
                    }
                ],
                ["tenant_id", "customer_id", "milestone_key"],
            )

    @activity.defn(name=activity_names.RESET_MILESTONE)
    def reset_milestone(self, record: MilestoneRecord) -> None:
        """Undo an achievement CS staff reset (deleting twice is harmless)."""
        with session_scope(self._engine) as session:
            session.execute(
                delete(MilestoneAchievement).where(
                    col(MilestoneAchievement.tenant_id) == record.tenant_id,
                    col(MilestoneAchievement.customer_id) == record.customer_id,
                    col(MilestoneAchievement.milestone_key) == record.achievement.milestone_key,
                )
            )

    @activity.defn(name=activity_names.RECORD_PROGRESS)
    def record_progress(self, progress: JourneyProgress) -> None:
        """Mirror the live journey into the customer row (an overwrite, so naturally idempotent)."""
        with session_scope(self._engine) as session:
            customer = find_customer(session, progress.tenant_id, progress.customer_id)
            if customer is None:
                ensure_tenant(session, progress.tenant_id)
                customer = Customer(tenant_id=progress.tenant_id, customer_id=progress.customer_id)
            customer.stage = progress.stage.value
            customer.points = progress.points
            customer.journey_status = progress.journey_status
            customer.time_to_value_hours = progress.time_to_value_hours
            customer.health_score = progress.health_score
            customer.risk_level = progress.risk_level
            customer.level = progress.level
            customer.streak_current = progress.streak_current
            customer.streak_longest = progress.streak_longest
            if progress.playbook is not None:
                customer.playbook_name = progress.playbook.name
                customer.playbook_version = progress.playbook.version
            customer.updated_at = utc_now()
            session.add(customer)
            if progress.badges:
                insert_or_ignore(
                    session,
                    BadgeAward,
                    [
                        {
                            "tenant_id": progress.tenant_id,
                            "customer_id": progress.customer_id,
                            "badge_key": key,
                            "awarded_at": awarded_at,
                        }
                        for key, awarded_at in progress.badges.items()
                    ],
                    ["tenant_id", "customer_id", "badge_key"],
                )
