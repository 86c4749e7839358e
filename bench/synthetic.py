"""A synthetic portfolio with known ground truth: behaviour drives churn, and we know who churned.

Each customer has a latent engagement in [0, 1]. Low engagement makes churn likely; in the last
60 days before churning a customer's activity fades, support tickets (some urgent, unhappy) pile
up and invoices start failing. Everyone else renews at the end of the period. The health score
never sees the latent value, only the events, so separating churners is a real test.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from activities.health_features import EventRow

START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD_DAYS = 180
FEATURES = [
    "project.created",
    "user.invited",
    "integration.connected",
    "report.shared",
    "dashboard.viewed",
    "page.viewed",
    "comment.added",
    "search.performed",
]
KEY_FEATURES = FEATURES[:5]
PLANS = ["free", "team", "business"]
SEGMENTS = ["smb", "mid_market", "enterprise"]


@dataclass
class SyntheticCustomer:
    customer_id: str
    plan: str
    segment: str
    engagement: float
    churned: bool
    outcome_at: datetime
    events: list[EventRow] = field(default_factory=list)


def _fade(day: int, churn_day: int | None) -> float:
    """Activity multiplier: 1 until 60 days before churn, then down to 0.1."""
    if churn_day is None or day < churn_day - 60:
        return 1.0
    return max(0.1, (churn_day - day) / 60)


def generate(customers: int, seed: int = 42) -> list[SyntheticCustomer]:
    rng = random.Random(seed)
    portfolio = []
    for index in range(customers):
        engagement = rng.betavariate(2, 2)
        churned = rng.random() < min(0.9, max(0.03, 0.85 - 1.2 * engagement))
        churn_day = rng.randint(100, PERIOD_DAYS - 5) if churned else None
        end_day = churn_day if churn_day is not None else PERIOD_DAYS
        customer = SyntheticCustomer(
            customer_id=f"c{index:05d}",
            plan=rng.choice(PLANS),
            segment=rng.choice(SEGMENTS),
            engagement=engagement,
            churned=churned,
            outcome_at=START + timedelta(days=end_day, hours=12),
        )
        features = FEATURES[: 2 + round(6 * engagement)]
        for day in range(end_day):
            fade = _fade(day, churn_day)
            moment = START + timedelta(days=day, hours=9)
            if rng.random() < (0.1 + 0.75 * engagement) * fade:
                for minute in range(_poisson(rng, (1 + 4 * engagement) * fade) + 1):
                    customer.events.append(
                        (rng.choice(features), moment + timedelta(minutes=minute), {})
                    )
            late = churn_day is not None and day >= churn_day - 45
            if rng.random() < (0.07 if late else 0.01):
                urgent = late and rng.random() < 0.4
                ticket: dict[str, Any] = {
                    "ticket_id": f"{customer.customer_id}-t{day}",
                    "priority": "p1" if urgent else "p3",
                    "sentiment": rng.uniform(-1, -0.2) if late else rng.uniform(-0.3, 0.8),
                }
                customer.events.append(("support.ticket_opened", moment, ticket))
            if day % 30 == 15:
                failing = churn_day is not None and day >= churn_day - 60 and rng.random() < 0.6
                name = "invoice.failed" if failing else "invoice.paid"
                customer.events.append((name, moment, {}))
            if churn_day is not None and day == churn_day - 30 and rng.random() < 0.3:
                customer.events.append(("subscription.downgraded", moment, {}))
        outcome = "customer.churned" if churned else "customer.renewed"
        customer.events.append((outcome, customer.outcome_at, {}))
        portfolio.append(customer)
    return portfolio


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; small means only."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def as_import_rows(portfolio: list[SyntheticCustomer]) -> list[dict[str, Any]]:
    """The portfolio as `onboard import` JSON Lines rows."""
    return [
        {
            "event_id": f"{customer.customer_id}-{number}",
            "customer_id": customer.customer_id,
            "name": name,
            "occurred_at": at.isoformat(),
            "properties": dict(properties),
        }
        for customer in portfolio
        for number, (name, at, properties) in enumerate(customer.events)
    ]
