"""API keys: per tenant, with scopes; only a hash of the secret is ever stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column
from models.timeutil import utc_now


class Scope(StrEnum):
    INGEST = "ingest"
    """The product backend: events, customers, and the in-app inbox it shows."""
    READ = "read"
    """CS staff tools: read customers, scores, reports, playbooks."""
    ADMIN = "admin"
    """Playbooks and milestone definitions, migrations, staff actions, keys; implies the rest."""


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16, description="Shown in lists to tell keys apart.")
    secret_hash: str = Field(max_length=64, unique=True, description="SHA-256 of the key.")
    scopes: list[str] = Field(sa_column=json_column())
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))


class ApiKeyPublic(BaseModel):
    id: int
    tenant_id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class Principal(BaseModel):
    """Who is calling: the key's tenant and what it may do."""

    tenant_id: str
    key_id: int
    scopes: frozenset[Scope]
    staff_email: str | None = None
    role: str | None = None
    """For staff signed in to the dashboard: viewer, manager or admin."""

    def allows(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes

    @property
    def can_act(self) -> bool:
        """Staff actions on customers: admins, and staff managers."""
        return self.allows(Scope.ADMIN) or self.role == "manager"

    @property
    def actor(self) -> str:
        return f"staff:{self.staff_email}" if self.staff_email else f"key:{self.key_id}"
