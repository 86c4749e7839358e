"""Staff accounts for the dashboard: a role each, passwords only as argon2 hashes, sessions
only as SHA-256 hashes of their random tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now


class Role(StrEnum):
    VIEWER = "viewer"
    """Looks at everything in the tenant, changes nothing."""
    MANAGER = "manager"
    """Also acts on customers: milestones, pause/snooze/resume, tasks."""
    ADMIN = "admin"
    """Everything an admin API key may do."""


class StaffAccount(SQLModel, table=True):
    __tablename__ = "staff_accounts"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    disabled_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_accounts.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    expires_at: datetime = Field(sa_column=utc_datetime_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))
