"""Never lose an accepted event: store it first, signal second, re-send what was not confirmed.

The event log is the outbox. `signalled_at` is set once Temporal confirmed the signal; the relay
re-sends the rest. The workflow drops repeated event ids, so a re-send has no second effect.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from temporalio.client import Client

from api.journeys import deliver_event, journey_input
from core.db import ensure_tenant, session_scope
from core.event_log import add_unknown_customers, append_events
from core.tenant_playbooks import current_ref
from models.customer import Customer
from models.event import Event, EventCreate
from models.journey import ProductEvent
from models.playbook import Playbook, PlaybookRef
from models.timeutil import as_utc, local_day, utc_now

log = logging.getLogger(__name__)

SIGNAL_CONCURRENCY = 32
RELAY_AGE = timedelta(seconds=5)
RELAY_BATCH = 500


@dataclass(frozen=True)
class StoredEvent:
    event: ProductEvent
    customer_id: str
    signup_at: datetime
    duplicate: bool
    needs_signal: bool


def store_events(engine: Engine, tenant_id: str, events: list[EventCreate]) -> list[StoredEvent]:
    """One transaction: unknown customers are created, new events appended, repeats flagged."""
    now = utc_now()
    with session_scope(engine) as session:
        ensure_tenant(session, tenant_id)
        add_unknown_customers(session, tenant_id, events, now)
        ids = [item.event_id for item in events]
        already = dict(
            session.exec(
                select(Event.event_id, Event.signalled_at).where(
                    Event.tenant_id == tenant_id, col(Event.event_id).in_(ids)
                )
            ).all()
        )
        signups = {
            customer_id: (signed_up_at, timezone)
            for customer_id, signed_up_at, timezone in session.exec(
                select(Customer.customer_id, Customer.signed_up_at, Customer.timezone).where(
                    Customer.tenant_id == tenant_id,
                    col(Customer.customer_id).in_({item.customer_id for item in events}),
                )
            ).all()
        }
        stored: list[StoredEvent] = []
        seen_in_batch: set[str] = set()
        for item in events:
            duplicate = item.event_id in already or item.event_id in seen_in_batch
            seen_in_batch.add(item.event_id)
            stored.append(
                StoredEvent(
                    event=ProductEvent(
                        event_id=item.event_id,
                        name=item.name,
                        occurred_at=item.occurred_at,
                        properties=item.properties,
                        local_day=local_day(item.occurred_at, signups[item.customer_id][1]),
                    ),
                    customer_id=item.customer_id,
                    signup_at=as_utc(signups[item.customer_id][0]),
                    duplicate=duplicate,
                    # A repeat whose first signal never got through is worth another try.
                    needs_signal=not duplicate
                    or (item.event_id in already and already[item.event_id] is None),
                )
            )
        append_events(session, tenant_id, events, now, signalled_at=None)
    return stored


async def signal_events(
    engine: Engine,
    client: Client,
    task_queue: str,
    tenant_id: str,
    playbook: PlaybookRef,
    stored: Iterable[StoredEvent],
) -> int:
    """Signal each customer's events in order (customers concurrently); mark the confirmed ones."""
    by_customer: dict[str, list[StoredEvent]] = defaultdict(list)
    for item in stored:
        if item.needs_signal:
            by_customer[item.customer_id].append(item)
    limit = asyncio.Semaphore(SIGNAL_CONCURRENCY)
    confirmed: list[str] = []

    async def deliver(items: list[StoredEvent]) -> None:
        async with limit:
            for item in items:
                journey = journey_input(tenant_id, item.customer_id, item.signup_at, playbook)
                try:
                    await deliver_event(client, task_queue, journey, item.event)
                except Exception as err:  # noqa: BLE001 - the relay retries whatever fails here
                    log.warning(
                        "signal for event %s deferred to relay: %s", item.event.event_id, err
                    )
                    return
                confirmed.append(item.event.event_id)

    await asyncio.gather(*(deliver(items) for items in by_customer.values()))
    if confirmed:
        mark_signalled(engine, tenant_id, confirmed)
    return len(confirmed)


def mark_signalled(engine: Engine, tenant_id: str, event_ids: list[str]) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Event)
            .where(col(Event.tenant_id) == tenant_id, col(Event.event_id).in_(event_ids))
            .values(signalled_at=utc_now())
        )


async def relay_pending_events(
    engine: Engine,
    client: Client,
    task_queue: str,
    playbook: Playbook,
    *,
    older_than: timedelta = RELAY_AGE,
) -> int:
    """Re-send stored events whose signal was never confirmed; returns how many got through.

    A journey that has to be started starts on its tenant's current version of `playbook`.
    """
    cutoff = utc_now() - older_than
    with session_scope(engine) as session:
        rows = session.exec(
            select(Event, Customer.signed_up_at, Customer.timezone)
            .join(
                Customer,
                (col(Customer.tenant_id) == col(Event.tenant_id))
                & (col(Customer.customer_id) == col(Event.customer_id)),
            )
            .where(col(Event.signalled_at).is_(None), col(Event.received_at) <= cutoff)
            .order_by(col(Event.occurred_at), col(Event.id))
            .limit(RELAY_BATCH)
        ).all()
        refs = {
            tenant_id: current_ref(session, tenant_id, playbook)
            for tenant_id in {event.tenant_id for event, _, _ in rows}
        }
    by_tenant: dict[str, list[StoredEvent]] = defaultdict(list)
    for event, signed_up_at, timezone in rows:
        by_tenant[event.tenant_id].append(
            StoredEvent(
                event=ProductEvent(
                    event_id=event.event_id,
                    name=event.name,
                    occurred_at=as_utc(event.occurred_at),
                    properties=event.properties,
                    local_day=local_day(event.occurred_at, timezone),
                ),
                customer_id=event.customer_id,
                signup_at=as_utc(signed_up_at),
                duplicate=False,
                needs_signal=True,
            )
        )
    sent = 0
    for tenant_id, stored in by_tenant.items():
        sent += await signal_events(engine, client, task_queue, tenant_id, refs[tenant_id], stored)
    return sent


async def run_relay(
    engine: Engine, client: Client, task_queue: str, playbook: Playbook, interval: float = 2.0
) -> None:
    """Background loop of the API process; stops when cancelled."""
    while True:
        try:
            sent = await relay_pending_events(engine, client, task_queue, playbook)
            if sent:
                log.info("relay delivered %d deferred events", sent)
        except Exception:  # noqa: BLE001 - keep relaying; the next round retries
            log.exception("event relay round failed")
        await asyncio.sleep(interval)
