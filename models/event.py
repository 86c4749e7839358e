"""The append-only event log: unique on (tenant, event_id) so a replayed event is a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column
from models.customer import CUSTOMER_ID_PATTERN
from models.timeutil import sane_moment, utc_now

MAX_BATCH = 1000


class EventBase(SQLModel):
    event_id: str = Field(min_length=1, max_length=128)
    customer_id: str = Field(
        min_length=1, max_length=128, schema_extra={"pattern": CUSTOMER_ID_PATTERN}
    )
    name: str = Field(min_length=1, max_length=200)
    occurred_at: datetime


MAX_PROPERTY_DEPTH = 5
MAX_PROPERTY_STRING = 4000
MAX_PROPERTY_ITEMS = 500


class EventCreate(EventBase):
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("properties")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Properties feed conditions and templates: nested at most 5 deep, strings at most
        4,000 characters, at most 500 keys and items in all."""
        count = 0
        stack: list[tuple[Any, int]] = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, dict | list):
                if depth > MAX_PROPERTY_DEPTH:
                    raise ValueError(f"properties nest deeper than {MAX_PROPERTY_DEPTH} levels")
                children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
                count += len(item)
                stack += [(child, depth + 1) for child in children]
            elif isinstance(item, str) and len(item) > MAX_PROPERTY_STRING:
                raise ValueError(f"a property string is longer than {MAX_PROPERTY_STRING}")
            if count > MAX_PROPERTY_ITEMS:
                raise ValueError(f"properties hold more than {MAX_PROPERTY_ITEMS} keys and items")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return sane_moment(value, "occurred_at")


class EventBatchCreate(SQLModel):
    events: list[EventCreate] = Field(min_length=1, max_length=MAX_BATCH)


class Event(EventBase, table=True):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", name="uq_event_tenant_event_id"),
        Index("ix_event_customer_time", "tenant_id", "customer_id", "occurred_at"),
        # The dashboard's engagement heatmap reads a tenant's recent events by time.
        Index("ix_event_tenant_time", "tenant_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    occurred_at: datetime = Field(sa_column=utc_datetime_column())
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    received_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    signalled_at: datetime | None = Field(
        default=None, sa_column=utc_datetime_column(nullable=True, index=True)
    )


class EventAccepted(SQLModel):
    event_id: str
    customer_id: str
    duplicate: bool
    workflow_id: str


class EventsAccepted(SQLModel):
    accepted: int
    duplicates: int
    events: list[EventAccepted]
