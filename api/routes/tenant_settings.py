"""The tenant's channel settings: sender address, Slack and webhook targets, fallback owner."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from api.deps import Admin, SessionDep, TenantDep
from core.db import ensure_tenant
from models.tenant import Tenant, TenantSettingsBase, TenantSettingsPublic, TenantSettingsUpdate

router = APIRouter(prefix="/v1/settings", tags=["settings"], dependencies=[Admin])


def _tenant(session: Session, tenant_id: str) -> Tenant:
    ensure_tenant(session, tenant_id)
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant


def _public(tenant: Tenant) -> TenantSettingsPublic:
    shown = TenantSettingsBase.model_validate(tenant, from_attributes=True).model_dump()
    return TenantSettingsPublic(**shown, webhook_secret_set=tenant.webhook_secret is not None)


@router.get("")
def get_settings(session: SessionDep, tenant: TenantDep) -> TenantSettingsPublic:
    """The settings; the webhook secret is never shown, only whether one is set."""
    return _public(_tenant(session, tenant))


@router.put("")
def put_settings(
    body: TenantSettingsUpdate, session: SessionDep, tenant: TenantDep
) -> TenantSettingsPublic:
    """Replace the settings (fields left out become unset, except the webhook secret)."""
    row = _tenant(session, tenant)
    for field in TenantSettingsBase.model_fields:
        setattr(row, field, getattr(body, field))
    if body.webhook_secret is not None:
        row.webhook_secret = body.webhook_secret
    session.add(row)
    session.commit()
    session.refresh(row)
    return _public(row)
