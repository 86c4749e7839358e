"""The audit log for admins: newest first, by customer or by action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from api.deps import Admin, Offset, SessionDep, TenantDep
from models.audit import AuditEntry, AuditEntryPublic

router = APIRouter(prefix="/v1/audit", tags=["audit"], dependencies=[Admin])


@router.get("")
def audit_log(
    session: SessionDep,
    tenant: TenantDep,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[
        str | None, Query(max_length=200, description="e.g. 'PUT /v1/settings'")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AuditEntryPublic]:
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant)
    if customer_id is not None:
        query = query.where(AuditEntry.customer_id == customer_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    rows = session.exec(
        query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows]
