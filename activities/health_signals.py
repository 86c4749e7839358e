"""Gathering the raw health signals of one customer from the event log."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from activities.health_scoring import HealthSignals
from models.event import Event
from models.playbook import HealthConfig
from models.timeutil import as_utc

SUPPORT_TICKET_OPENED = "support.ticket_opened"
URGENT_PRIORITIES = {"p1", "urgent", "critical"}
INVOICE_PAID = "invoice.paid"
INVOICE_FAILED = "invoice.failed"
SUBSCRIPTION_DOWNGRADED = "subscription.downgraded"
RESERVED_PREFIXES = ("support.", "invoice.", "subscription.", "customer.")


def gather_signals(
    session: Session, tenant_id: str, customer_id: str, config: HealthConfig, as_of: datetime
) -> HealthSignals:
    """Signals over the window ending at `as_of`; events after `as_of` are ignored."""
    window_start = as_of - timedelta(days=config.window_days)
    rows = session.exec(
        select(Event.name, Event.occurred_at, Event.properties).where(
            Event.tenant_id == tenant_id,
            Event.customer_id == customer_id,
            col(Event.occurred_at) <= as_of,
        )
    ).all()
    in_window = [
        (name, as_utc(at), props) for name, at, props in rows if as_utc(at) >= window_start
    ]
    product = [(name, at) for name, at, _ in in_window if not name.startswith(RESERVED_PREFIXES)]
    product_ever = [as_utc(at) for name, at, _ in rows if not name.startswith(RESERVED_PREFIXES)]
    names_ever = {name for name, _, _ in rows}
    last_event = max(product_ever, default=None)
    tickets = [props for name, _, props in in_window if name == SUPPORT_TICKET_OPENED]
    return HealthSignals(
        window_days=config.window_days,
        active_days=len({at.date() for _, at in product}),
        event_count=len(product),
        distinct_event_names=len({name for name, _ in product}),
        days_since_last_event=(as_of - last_event).days if last_event else None,
        key_features_used=frozenset(name for name, _ in product),
        key_features=frozenset(config.key_features),
        has_support_data=any(name.startswith("support.") for name in names_ever),
        tickets_opened=len(tickets),
        urgent_tickets_opened=sum(
            1 for props in tickets if str(props.get("priority", "")).lower() in URGENT_PRIORITIES
        ),
        has_payment_data=any(name.startswith("invoice.") for name in names_ever),
        invoices_paid=sum(1 for name, _, _ in in_window if name == INVOICE_PAID),
        invoices_failed=sum(1 for name, _, _ in in_window if name == INVOICE_FAILED),
        downgrades=sum(1 for name, _, _ in in_window if name == SUBSCRIPTION_DOWNGRADED),
    )
