"""Which playbook version a tenant's new journeys start on, and publishing a new one.

Versions are content hashes stored once for everyone (`playbook_versions`); a tenant that edits
its milestones through the API gets its own current version (`tenant_playbooks`, newest row
wins). A tenant that never edited follows the version in the playbook directory.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.playbooks import read_playbook_version, store_playbook
from models.playbook import Playbook, PlaybookRef
from models.playbook_version import PlaybookVersion, TenantPlaybook


def current_ref(session: Session, tenant_id: str, fallback: Playbook) -> PlaybookRef:
    """The version new journeys of this tenant start on."""
    row = session.exec(
        select(TenantPlaybook)
        .where(TenantPlaybook.tenant_id == tenant_id, TenantPlaybook.name == fallback.name)
        .order_by(col(TenantPlaybook.id).desc())
    ).first()
    version = fallback.version if row is None else row.version
    return PlaybookRef(name=fallback.name, version=version)


def current_playbook(session: Session, tenant_id: str, fallback: Playbook) -> Playbook:
    ref = current_ref(session, tenant_id, fallback)
    if ref.version == fallback.version:
        return fallback
    return _cached_version(session, ref) or fallback


def _cached_version(session: Session, ref: PlaybookRef) -> Playbook | None:
    """Versions never change once stored, so a parsed one can be kept for the process."""
    found = _parsed.get(ref)
    if found is None:
        found = read_playbook_version(session, ref.name, ref.version)
        if found is not None:
            _parsed[ref] = found
    return found


_parsed: dict[PlaybookRef, Playbook] = {}


def publish_playbook(session: Session, tenant_id: str, playbook: Playbook, change: str) -> None:
    """Store the version and make it the tenant's current one; journeys in flight keep theirs."""
    store_playbook(session, playbook, source=f"api:{tenant_id}")
    session.add(
        TenantPlaybook(
            tenant_id=tenant_id, name=playbook.name, version=playbook.version, change=change[:500]
        )
    )
    session.flush()


def tenant_versions(session: Session, tenant_id: str, name: str) -> list[TenantPlaybook]:
    """The tenant's published versions of a playbook, oldest first."""
    return list(
        session.exec(
            select(TenantPlaybook)
            .where(TenantPlaybook.tenant_id == tenant_id, TenantPlaybook.name == name)
            .order_by(col(TenantPlaybook.id))
        ).all()
    )


def stored_version(session: Session, name: str, version: str) -> PlaybookVersion | None:
    return session.exec(
        select(PlaybookVersion).where(
            PlaybookVersion.name == name, PlaybookVersion.version == version
        )
    ).first()
