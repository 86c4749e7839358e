"""Manual health overrides: set with a reason and an expiry, listed as an audit trail, revocable."""

from __future__ import annotations

from fastapi import APIRouter, Body, HTTPException, status
from sqlmodel import Session, col, select

from activities.health import compute_score, store_score
from api.deps import Admin, PlaybookDep, Read, RowId, SessionDep, TenantDep
from api.routes.customers import existing_customer
from models.customer import Customer
from models.override import HealthOverride, HealthOverrideCreate, HealthOverridePublic
from models.playbook import HealthConfig
from models.timeutil import as_utc, utc_now

router = APIRouter(prefix="/v1/customers/{customer_id}/health/overrides", tags=["health"])


def public(override: HealthOverride) -> HealthOverridePublic:
    return HealthOverridePublic.model_validate(
        {
            **override.model_dump(),
            "created_at": as_utc(override.created_at),
            "expires_at": as_utc(override.expires_at),
            "revoked_at": as_utc(override.revoked_at) if override.revoked_at else None,
            "active": override.active_at(utc_now()),
        }
    )


def rescore(
    session: Session, customer: Customer, config: HealthConfig, override: HealthOverride, step: str
) -> None:
    """Score now, so the change shows at once (not only at the next check-in or night)."""
    result = compute_score(session, customer.tenant_id, customer.customer_id, config, utc_now())
    store_score(
        session, customer.tenant_id, customer.customer_id, f"override/{override.id}/{step}", result
    )
    customer.health_score, customer.risk_level = result.score, result.risk_level.value
    session.add(customer)
    session.commit()


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Admin])
def set_override(
    customer_id: str,
    body: HealthOverrideCreate,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
) -> HealthOverridePublic:
    """Set a component or the overall score by hand until `expires_at`."""
    customer = existing_customer(session, tenant, customer_id)
    override = HealthOverride(
        tenant_id=tenant,
        customer_id=customer_id,
        component=body.component,
        score=body.score,
        reason=body.reason,
        author=body.author,
        expires_at=as_utc(body.expires_at),
    )
    session.add(override)
    session.commit()
    session.refresh(override)
    rescore(session, customer, playbook.health, override, "set")
    return public(override)


@router.get("", dependencies=[Read])
def list_overrides(
    customer_id: str, session: SessionDep, tenant: TenantDep
) -> list[HealthOverridePublic]:
    """Every override ever set for this customer, newest first: the audit trail."""
    existing_customer(session, tenant, customer_id)
    overrides = session.exec(
        select(HealthOverride)
        .where(HealthOverride.tenant_id == tenant, HealthOverride.customer_id == customer_id)
        .order_by(col(HealthOverride.id).desc())
    ).all()
    return [public(o) for o in overrides]


@router.post("/{override_id}/revoke", dependencies=[Admin])
def revoke_override(
    customer_id: str,
    override_id: RowId,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    author: str = Body(embed=True, min_length=1, max_length=200),
) -> HealthOverridePublic:
    """End an override early; the record stays, with who ended it and when."""
    customer = existing_customer(session, tenant, customer_id)
    override = session.exec(
        select(HealthOverride).where(
            HealthOverride.tenant_id == tenant,
            HealthOverride.customer_id == customer_id,
            HealthOverride.id == override_id,
        )
    ).first()
    if override is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"override {override_id} not found for {customer_id!r}"
        )
    if override.revoked_at is None:
        override.revoked_at, override.revoked_by = utc_now(), author
        session.add(override)
        session.commit()
        session.refresh(override)
        rescore(session, customer, playbook.health, override, "revoked")
    return public(override)
