"""Manual health overrides by CS staff: shown as such, expiring, kept forever as an audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import model_validator
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import as_utc, utc_now

OverrideTarget = Literal["overall", "usage", "feature_adoption", "engagement", "support", "payment"]


class HealthOverrideBase(SQLModel):
    score: float = Field(ge=0, le=100)
    reason: str = Field(min_length=3, max_length=1000)
    author: str = Field(min_length=1, max_length=200)


class HealthOverrideCreate(HealthOverrideBase):
    component: OverrideTarget = Field(
        default="overall", description="A component, or 'overall' for the final score."
    )
    expires_at: datetime

    @model_validator(mode="after")
    def _in_the_future(self) -> HealthOverrideCreate:
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must carry a timezone offset")
        if as_utc(self.expires_at) <= utc_now():
            raise ValueError("expires_at must be in the future")
        return self


class HealthOverride(HealthOverrideBase, table=True):
    __tablename__ = "health_overrides"
    __table_args__ = (Index("ix_override_customer", "tenant_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    customer_id: str = Field(max_length=128)
    component: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    expires_at: datetime = Field(sa_column=utc_datetime_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))
    revoked_by: str | None = Field(default=None, max_length=200)

    def active_at(self, moment: datetime) -> bool:
        revoked = self.revoked_at is not None and as_utc(self.revoked_at) <= moment
        return as_utc(self.created_at) <= moment < as_utc(self.expires_at) and not revoked


class HealthOverridePublic(HealthOverrideBase):
    id: int
    component: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool
