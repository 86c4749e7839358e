"""Every playbook version ever loaded, so a workflow pinned to a version can always read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column
from models.timeutil import utc_now


class PlaybookVersion(SQLModel, table=True):
    __tablename__ = "playbook_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_playbook_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, index=True)
    version: str = Field(max_length=32)
    content: dict[str, Any] = Field(sa_column=json_column())
    source: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())


class TenantPlaybook(SQLModel, table=True):
    """Which version of a playbook a tenant's new journeys start on; the newest row wins.

    Without a row the version loaded from the playbook directory applies.
    """

    __tablename__ = "tenant_playbooks"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    name: str = Field(max_length=64)
    version: str = Field(max_length=32)
    change: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
