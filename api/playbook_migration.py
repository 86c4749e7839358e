"""Moving a tenant's running journeys to another playbook version, or showing what would change.

The dry run plans each customer from the database (its stored achievements and the events its
journey has counted) with the same planner the workflow uses; the real run asks each journey to
move through its `migrate_playbook` update, a bounded number at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, func, select
from temporalio.client import Client

from api.journeys import JourneyUpdateRejected, migrate_journey
from core.event_log import processed_events
from core.playbooks import read_playbook_version
from models.achievement import MilestoneAchievement
from models.customer import Customer
from models.journey import Achievement, PlaybookMigration
from models.playbook import Playbook, PlaybookRef
from models.playbook_admin import CustomerMigration
from models.timeutil import as_utc
from workflows.migration import changed_keys, plan_migration, replay_progress

MIGRATION_CONCURRENCY = 16
"""Updates in flight at once: enough to move thousands quickly, gentle on workers."""


@dataclass(frozen=True)
class Candidate:
    customer_id: str
    from_version: str


def migration_candidates(
    session: Session,
    tenant_id: str,
    name: str,
    to_version: str,
    customer_ids: Sequence[str] | None,
    limit: int,
) -> tuple[list[Candidate], int]:
    """Customers whose journey runs another version of the playbook, and how many in all."""
    scope = (
        (col(Customer.tenant_id) == tenant_id)
        & (col(Customer.playbook_name) == name)
        & (col(Customer.playbook_version) != to_version)
    )
    if customer_ids is not None:
        scope = scope & col(Customer.customer_id).in_(customer_ids)
    total = session.exec(select(func.count()).select_from(Customer).where(scope)).one()
    rows = session.exec(
        select(Customer.customer_id, Customer.playbook_version)
        .where(scope)
        .order_by(col(Customer.customer_id))
        .limit(limit)
    ).all()
    return [Candidate(cid, version or "") for cid, version in rows], int(total)


def dry_run(
    session: Session, tenant_id: str, candidate: Candidate, new: Playbook
) -> CustomerMigration:
    """What moving this customer would change, planned like the workflow plans it."""
    old = read_playbook_version(session, new.name, candidate.from_version)
    if old is None:
        return _missing_version(candidate)
    achievements = stored_achievements(session, tenant_id, candidate.customer_id)
    events = processed_events(session, tenant_id, candidate.customer_id)
    progress = replay_progress(old, achievements, events)
    plan = plan_migration(old, new, achievements, progress, events)
    return CustomerMigration(
        customer_id=candidate.customer_id,
        from_version=candidate.from_version,
        outcome="would_migrate",
        added=plan.added,
        removed=plan.removed,
        changed=plan.changed,
        newly_reached=[a.milestone_key for a in plan.newly_reached],
    )


def stored_achievements(
    session: Session, tenant_id: str, customer_id: str
) -> dict[str, Achievement]:
    rows = session.exec(
        select(MilestoneAchievement).where(
            MilestoneAchievement.tenant_id == tenant_id,
            MilestoneAchievement.customer_id == customer_id,
        )
    ).all()
    return {
        row.milestone_key: Achievement(
            milestone_key=row.milestone_key,
            achieved_at=as_utc(row.achieved_at),
            event_id=row.event_id,
            points=row.points,
        )
        for row in rows
    }


def _missing_version(candidate: Candidate) -> CustomerMigration:
    return CustomerMigration(
        customer_id=candidate.customer_id,
        from_version=candidate.from_version,
        outcome="failed",
        detail=f"the journey's version {candidate.from_version!r} is not stored",
    )


async def migrate(
    client: Client,
    tenant_id: str,
    candidates: Sequence[Candidate],
    old_versions: dict[str, Playbook],
    new: Playbook,
    actor: str,
    reason: str,
) -> list[CustomerMigration]:
    """Ask each journey to move; one that refuses (or is gone) is reported, the rest go on."""
    limit = asyncio.Semaphore(MIGRATION_CONCURRENCY)
    request = PlaybookMigration(
        to=PlaybookRef(name=new.name, version=new.version), actor=actor, reason=reason
    )

    async def move(candidate: Candidate) -> CustomerMigration:
        old = old_versions.get(candidate.from_version)
        if old is None:
            return _missing_version(candidate)
        added, removed, changed = changed_keys(old, new)
        outcome = CustomerMigration(
            customer_id=candidate.customer_id,
            from_version=candidate.from_version,
            outcome="migrated",
            added=added,
            removed=removed,
            changed=changed,
        )
        async with limit:
            try:
                state = await migrate_journey(client, tenant_id, candidate.customer_id, request)
            except JourneyUpdateRejected as refused:
                return outcome.model_copy(update={"outcome": "failed", "detail": str(refused)})
        moved = state.migrations[-1] if state.migrations else None
        return outcome.model_copy(
            update={"newly_reached": moved.newly_reached if moved is not None else []}
        )

    return list(await asyncio.gather(*(move(candidate) for candidate in candidates)))
