"""Interventions as delivered: one row per side effect, keyed so a retry never repeats it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"


class Delivery(SQLModel, table=True):
    __tablename__ = "deliveries"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    customer_id: str = Field(max_length=128, index=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    channel: str = Field(max_length=32)
    template: str = Field(max_length=100)
    trigger_key: str | None = Field(default=None, max_length=64, index=True)
    variant: str | None = Field(default=None, max_length=64)
    recipient: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=300)
    message_id: str | None = Field(default=None, max_length=300)
    status: str = Field(default=DeliveryStatus.SENDING, max_length=16)
    error: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))


class Suppression(SQLModel, table=True):
    """An address that failed permanently (SMTP 5xx): nothing more is sent to it."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("tenant_id", "address", name="uq_suppression_address"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    address: str = Field(max_length=320)
    reason: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())


class InAppMessageBase(SQLModel):
    title: str = Field(max_length=200)
    body: str


class InAppMessage(InAppMessageBase, table=True):
    __tablename__ = "inapp_messages"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    customer_id: str = Field(max_length=128, index=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    read_at: datetime | None = Field(default=None, sa_column=utc_datetime_column(nullable=True))


class InAppMessagePublic(InAppMessageBase):
    id: int
    created_at: datetime
    read_at: datetime | None


class InboxPublic(SQLModel):
    data: list[InAppMessagePublic]
    unread: int
