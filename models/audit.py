"""The audit log: who did what to which target, when, and the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now


class AuditEntryBase(SQLModel):
    actor: str = Field(max_length=200, description="key:<id>, dashboard:key:<id> or cli")
    action: str = Field(max_length=200, index=True, description="METHOD and route.")
    target: str = Field(max_length=500, description="What was acted on (the request path).")
    customer_id: str | None = Field(default=None, max_length=128, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class AuditEntry(AuditEntryBase, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column(index=True))


class AuditEntryPublic(AuditEntryBase):
    id: int
    at: datetime
