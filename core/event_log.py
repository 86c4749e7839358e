"""Appending to the event log: the one path the API and the importer share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from core.db import insert_or_ignore
from models.customer import Customer
from models.event import Event, EventCreate
from models.journey import ProductEvent
from models.timeutil import as_utc


def add_unknown_customers(
    session: Session, tenant_id: str, events: Sequence[EventCreate], now: datetime
) -> int:
    """A customer first seen in events is created, signed up at its earliest event."""
    first_seen: dict[str, datetime] = {}
    for item in events:
        seen = first_seen.get(item.customer_id)
        if seen is None or item.occurred_at < seen:
            first_seen[item.customer_id] = item.occurred_at
    rows = [
        {
            "tenant_id": tenant_id,
            "customer_id": customer_id,
            "timezone": "UTC",
            "points": 0,
            "signed_up_at": signed_up_at,
            "created_at": now,
            "updated_at": now,
        }
        for customer_id, signed_up_at in first_seen.items()
    ]
    return insert_or_ignore(session, Customer, rows, ["tenant_id", "customer_id"])


def append_events(
    session: Session,
    tenant_id: str,
    events: Sequence[EventCreate],
    now: datetime,
    *,
    signalled_at: datetime | None,
) -> int:
    """Insert the events whose id is new for the tenant; returns how many were new.

    `signalled_at` set means no journey must ever be told (imported history).
    """
    rows = [
        {
            "tenant_id": tenant_id,
            "event_id": item.event_id,
            "customer_id": item.customer_id,
            "name": item.name,
            "occurred_at": item.occurred_at,
            "properties": item.properties,
            "received_at": now,
            "signalled_at": signalled_at,
        }
        for item in events
    ]
    return insert_or_ignore(session, Event, rows, ["tenant_id", "event_id"])


def processed_events(
    session: Session, tenant_id: str, customer_id: str, waiting: Sequence[str] = ()
) -> list[ProductEvent]:
    """The customer's events its journey has counted, oldest first.

    Events still in the outbox (not signalled) and those the journey holds but has not counted
    yet (`waiting`) are left out: the journey counts them when it gets to them, and counting
    them here too would count them twice.
    """
    rows = session.exec(
        select(Event)
        .where(
            Event.tenant_id == tenant_id,
            Event.customer_id == customer_id,
            col(Event.signalled_at).is_not(None),
        )
        .order_by(col(Event.occurred_at), col(Event.id))
    ).all()
    skipped = set(waiting)
    return [
        ProductEvent(
            event_id=row.event_id,
            name=row.name,
            occurred_at=as_utc(row.occurred_at),
            properties=row.properties,
        )
        for row in rows
        if row.event_id not in skipped
    ]
