"""Milestone definitions as an API, playbook versions, and moving journeys between versions.

Every edit publishes a new version for the tenant; journeys already running keep theirs until
`POST /v1/playbooks/{name}/migrate` moves them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, status
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from api.deps import Admin, PlaybookDep, Read, SessionDep, TemporalDep, TenantDep
from api.playbook_migration import dry_run, migrate, migration_candidates
from core.milestone_edits import (
    MilestoneConflict,
    MilestoneNotFound,
    add_milestone,
    remove_milestone,
    replace_milestone,
)
from core.playbooks import read_playbook_version
from core.tenant_playbooks import publish_playbook, stored_version, tenant_versions
from models.customer import Customer
from models.playbook import MilestoneDefinition, Playbook
from models.playbook_admin import (
    MigrationReport,
    MigrationRequest,
    MilestoneDefinitions,
    PlaybookPublic,
    PlaybookVersionPublic,
)

milestones_router = APIRouter(prefix="/v1/milestones", tags=["milestone definitions"])
playbooks_router = APIRouter(prefix="/v1/playbooks", tags=["playbooks"])

IfMatch = Annotated[
    str | None,
    Header(description="The version the edit is based on; 412 if another edit came first."),
]


def _definitions(playbook: Playbook) -> MilestoneDefinitions:
    return MilestoneDefinitions(
        playbook=playbook.name, version=playbook.version, milestones=list(playbook.milestones)
    )


def _check_base(current: Playbook, if_match: str | None) -> None:
    if if_match is not None and if_match.strip('"') != current.version:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            f"the playbook is now at version {current.version}, not {if_match}; "
            "read it again and re-apply the edit",
        )


def _edited(session: Session, tenant: str, updated: Playbook, change: str) -> MilestoneDefinitions:
    publish_playbook(session, tenant, updated, change)
    session.commit()
    return _definitions(updated)


@milestones_router.get("", dependencies=[Read])
def list_milestones(playbook: PlaybookDep) -> MilestoneDefinitions:
    """The milestones new journeys start with, in playbook order."""
    return _definitions(playbook)


@milestones_router.get("/{key}", dependencies=[Read])
def get_milestone(key: str, playbook: PlaybookDep) -> MilestoneDefinition:
    milestone = playbook.milestone(key)
    if milestone is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no milestone {key!r}")
    return milestone


@milestones_router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Admin])
def create_milestone(
    milestone: MilestoneDefinition,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    if_match: IfMatch = None,
    after: str | None = None,
) -> MilestoneDefinitions:
    """Add a milestone (at the end, or right `after` another); publishes a new version."""
    _check_base(playbook, if_match)
    updated = _apply(lambda: add_milestone(playbook, milestone, after))
    return _edited(session, tenant, updated, f"added milestone {milestone.key}")


@milestones_router.put("/{key}", dependencies=[Admin])
def update_milestone(
    key: str,
    milestone: MilestoneDefinition,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    if_match: IfMatch = None,
) -> MilestoneDefinitions:
    """Replace a milestone's definition; publishes a new version."""
    _check_base(playbook, if_match)
    updated = _apply(lambda: replace_milestone(playbook, key, milestone))
    return _edited(session, tenant, updated, f"changed milestone {key}")


@milestones_router.delete("/{key}", dependencies=[Admin])
def delete_milestone(
    key: str,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    if_match: IfMatch = None,
) -> MilestoneDefinitions:
    """Remove a milestone; customers who reached it keep their points after migrating."""
    _check_base(playbook, if_match)
    updated = _apply(lambda: remove_milestone(playbook, key))
    return _edited(session, tenant, updated, f"removed milestone {key}")


def _apply(edit: Callable[[], Playbook]) -> Playbook:
    """Run an edit, turning its refusal into the matching answer (nothing is stored then)."""
    try:
        return edit()
    except MilestoneNotFound as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(err)) from None
    except MilestoneConflict as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from None
    except ValueError as err:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(err)) from None


@playbooks_router.get("/{name}", dependencies=[Read])
def get_playbook(
    name: str, session: SessionDep, tenant: TenantDep, playbook: PlaybookDep
) -> PlaybookPublic:
    """The tenant's versions of the playbook and how many customers run each."""
    _known(name, playbook)
    counts = dict(
        session.exec(
            select(Customer.playbook_version, func.count())
            .where(Customer.tenant_id == tenant, Customer.playbook_name == name)
            .group_by(col(Customer.playbook_version))
        ).all()
    )
    customers = {version or "unknown": int(count) for version, count in counts.items()}
    versions = [
        PlaybookVersionPublic(
            version=row.version,
            change=row.change,
            created_at=row.created_at,
            current=row.version == playbook.version,
            customers=customers.get(row.version, 0),
        )
        for row in tenant_versions(session, tenant, name)
    ]
    listed = {v.version for v in versions}
    for version in sorted(set(customers) - listed - {"unknown"}):
        stored = stored_version(session, name, version)
        versions.insert(
            0,
            PlaybookVersionPublic(
                version=version,
                change=f"loaded from {stored.source}" if stored else "not stored",
                created_at=stored.created_at if stored else None,
                current=version == playbook.version,
                customers=customers[version],
            ),
        )
    return PlaybookPublic(
        name=name,
        current_version=playbook.version,
        versions=versions,
        customers_by_version=customers,
    )


@playbooks_router.post("/{name}/migrate", dependencies=[Admin])
async def migrate_customers(
    name: str,
    body: MigrationRequest,
    session: SessionDep,
    temporal: TemporalDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
) -> MigrationReport:
    """Move running journeys to a version (default: the current one) at their next safe point.

    `dry_run` (the default) lists what would change for each customer and changes nothing.
    """
    _known(name, playbook)
    target = playbook
    if body.to_version is not None and body.to_version != playbook.version:
        found = read_playbook_version(session, name, body.to_version)
        if found is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"playbook {name!r} has no version {body.to_version!r}"
            )
        target = found
    candidates, total = await run_in_threadpool(
        migration_candidates,
        session,
        tenant,
        name,
        target.version,
        body.customer_ids,
        body.limit,
    )
    if body.dry_run:
        results = await run_in_threadpool(
            lambda: [dry_run(session, tenant, candidate, target) for candidate in candidates]
        )
    else:
        old_versions = {
            version: found
            for version in {c.from_version for c in candidates}
            if (found := read_playbook_version(session, name, version)) is not None
        }
        results = await migrate(
            temporal, tenant, candidates, old_versions, target, body.actor, body.reason
        )
    migrated = sum(1 for r in results if r.outcome == "migrated")
    failed = sum(1 for r in results if r.outcome == "failed")
    return MigrationReport(
        playbook=name,
        to_version=target.version,
        dry_run=body.dry_run,
        customers=results,
        migrated=migrated,
        failed=failed,
        remaining=total - migrated,
    )


def _known(name: str, playbook: Playbook) -> None:
    if name != playbook.name:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no playbook {name!r}; this tenant runs {playbook.name!r}"
        )
