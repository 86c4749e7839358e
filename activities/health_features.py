"""Raw health features of one customer, computed from its events as of any moment.

Everything after `as_of` is ignored, so a score can be recomputed for any past date (time travel,
backtests, late data). A feature that has no source data is NaN, never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from models.playbook import HealthConfig
from models.reserved_events import is_product_event
from models.timeutil import as_utc

SUPPORT_TICKET_OPENED = "support.ticket_opened"
SUPPORT_TICKET_CLOSED = "support.ticket_closed"
INVOICE_PAID = "invoice.paid"
INVOICE_FAILED = "invoice.failed"
SUBSCRIPTION_DOWNGRADED = "subscription.downgraded"
URGENT_PRIORITIES = frozenset({"p1", "urgent", "critical"})
SUPPORT_BASELINE_DAYS = 90
MIN_LOOKBACK_DAYS = 180
NAN = math.nan

EventRow = tuple[str, datetime, Mapping[str, Any]]


@dataclass(frozen=True)
class HealthFeatures:
    """One row of the feature table; the batch engine scores many of these at once."""

    active_weight: float
    active_weight_max: float
    active_days: float
    usage_events: float
    usage_baseline: float
    days_since_last: float
    key_used: float
    key_total: float
    distinct_features: float
    replies: float
    tickets: float
    tickets_baseline: float
    urgent_open: float
    sentiment: float
    invoices_paid: float
    invoices_failed: float
    downgrades: float

    def row(self) -> tuple[float, ...]:
        return astuple(self)


FEATURE_NAMES = tuple(f.name for f in fields(HealthFeatures))


def lookback_days(config: HealthConfig) -> int:
    """How far back any feature looks; older events are ignored by every scoring path."""
    return max(
        MIN_LOOKBACK_DAYS, config.window_days + SUPPORT_BASELINE_DAYS, config.payment.window_days
    )


def recency_weights_total(window_days: int, half_life_days: float) -> float:
    """The recency-weighted count of a customer active on every day of the window."""
    return float(sum(0.5 ** (age / half_life_days) for age in range(window_days)))


def extract_features(
    events: Iterable[EventRow], config: HealthConfig, plan: str | None, as_of: datetime
) -> HealthFeatures:
    as_of = as_utc(as_of)
    window_start = as_of - timedelta(days=config.window_days)
    oldest = as_of - timedelta(days=lookback_days(config))
    past = [(name, as_utc(at), props) for name, at, props in events if oldest < as_utc(at) <= as_of]
    usage_names = set(config.usage.events)
    usage = [
        (name, at)
        for name, at, _ in past
        if is_product_event(name) and (not usage_names or name in usage_names)
    ]
    usage_window = [(name, at) for name, at in usage if at > window_start]
    active_dates = {at.date() for _, at in usage_window}
    half_life = config.recency_half_life_days
    last_usage = max((at for _, at in usage), default=None)
    names_in_window = {name for name, _ in usage_window}
    support = _support_features(past, window_start, config.window_days)
    payment_start = as_of - timedelta(days=config.payment.window_days)
    has_payment = any(name.startswith("invoice.") for name, _, _ in past)
    recent = [(name, at) for name, at, _ in past if at > payment_start]
    return HealthFeatures(
        active_weight=float(
            sum(0.5 ** ((as_of.date() - day).days / half_life) for day in active_dates)
        ),
        active_weight_max=recency_weights_total(config.window_days, half_life),
        active_days=float(len(active_dates)),
        usage_events=float(len(usage_window)),
        usage_baseline=config.usage.baseline_for(plan),
        days_since_last=(as_of - last_usage).total_seconds() / 86400 if last_usage else NAN,
        key_used=float(len(names_in_window & set(config.key_features))),
        key_total=float(len(set(config.key_features))),
        distinct_features=float(len(names_in_window)),
        replies=float(
            sum(
                1
                for name, at, _ in past
                if name in config.engagement.reply_events and at > window_start
            )
        ),
        **support,
        invoices_paid=_count(recent, INVOICE_PAID) if has_payment else NAN,
        invoices_failed=_count(recent, INVOICE_FAILED) if has_payment else NAN,
        downgrades=_count(recent, SUBSCRIPTION_DOWNGRADED) if has_payment else NAN,
    )


def _count(rows: Iterable[tuple[str, datetime]], name: str) -> float:
    return float(sum(1 for row_name, _ in rows if row_name == name))


def _support_features(
    past: list[tuple[str, datetime, Mapping[str, Any]]], window_start: datetime, window_days: int
) -> dict[str, float]:
    """Tickets in the window vs the customer's own baseline before it; urgent tickets still open."""
    if not any(name.startswith("support.") for name, _, _ in past):
        return dict.fromkeys(("tickets", "tickets_baseline", "urgent_open", "sentiment"), NAN)
    opened = [(at, props) for name, at, props in past if name == SUPPORT_TICKET_OPENED]
    closed_ids = {
        str(props.get("ticket_id")) for name, _, props in past if name == SUPPORT_TICKET_CLOSED
    }
    in_window = [props for at, props in opened if at > window_start]
    baseline_start = window_start - timedelta(days=SUPPORT_BASELINE_DAYS)
    before = sum(1 for at, _ in opened if baseline_start < at <= window_start)
    urgent_open = sum(
        1
        for _, props in opened
        if str(props.get("priority", "")).lower() in URGENT_PRIORITIES
        and str(props.get("ticket_id")) not in closed_ids
    )
    sentiments = [
        float(props["sentiment"])
        for props in in_window
        if isinstance(props.get("sentiment"), int | float)
    ]
    return {
        "tickets": float(len(in_window)),
        "tickets_baseline": before * window_days / SUPPORT_BASELINE_DAYS,
        "urgent_open": float(urgent_open),
        "sentiment": sum(sentiments) / len(sentiments) if sentiments else NAN,
    }
