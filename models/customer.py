"""Customers: attributes from the product/CRM plus a mirror of the journey for filtering."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, field_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.journey import JourneySnapshot
from models.timeutil import known_timezone, sane_moment, utc_now

ExternalId = str
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9._:@-]+$"
"""Customer ids become part of workflow ids and URLs: no spaces, slashes or other surprises."""


class CustomerBase(SQLModel):
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    plan: str | None = Field(default=None, max_length=64)
    segment: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    timezone: str = Field(default="UTC", max_length=64)
    csm_owner: str | None = Field(default=None, max_length=200)
    mrr: float | None = Field(default=None, ge=0, le=1e12)


class CustomerCreate(CustomerBase):
    """Create-or-update body of `POST /v1/customers`."""

    customer_id: ExternalId = Field(
        min_length=1, max_length=128, schema_extra={"pattern": CUSTOMER_ID_PATTERN}
    )
    email: EmailStr | None = None
    signed_up_at: datetime | None = None

    @field_validator("signed_up_at")
    @classmethod
    def _sane_signup(cls, value: datetime | None) -> datetime | None:
        return None if value is None else sane_moment(value, "signed_up_at")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)


class Customer(CustomerBase, table=True):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_customer_tenant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    customer_id: ExternalId = Field(max_length=128)
    signed_up_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    stage: str | None = Field(default=None, max_length=32, index=True)
    journey_status: str | None = Field(default=None, max_length=16, index=True)
    time_to_value_hours: float | None = None
    points: int = 0
    level: str | None = Field(default=None, max_length=64)
    streak_current: int = 0
    streak_longest: int = 0
    playbook_name: str | None = Field(default=None, max_length=64)
    playbook_version: str | None = Field(default=None, max_length=32, index=True)
    health_score: float | None = None
    risk_level: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())


class CustomerPublic(CustomerBase):
    customer_id: ExternalId
    signed_up_at: datetime
    stage: str | None
    points: int
    health_score: float | None
    risk_level: str | None
    journey_status: str | None = None
    time_to_value_hours: float | None = None
    level: str | None = None
    streak_current: int = 0
    streak_longest: int = 0
    playbook_name: str | None = None
    playbook_version: str | None = None
    workflow_id: str


class CustomerDetail(CustomerPublic):
    """One customer: stored attributes plus the live state of its journey workflow."""

    journey: JourneySnapshot | None
    journey_error: str | None = None


class CustomersPublic(SQLModel):
    data: list[CustomerPublic]
    count: int
