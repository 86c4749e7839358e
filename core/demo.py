"""`onboard demo`: a synthetic portfolio loaded through the real API, so a first look at the
dashboard shows a living product.

Customers signed up over the last eight weeks and behave like five kinds of real customers:
fast starters, steady ones, slow ones, some who stall after a few days and some who fade
towards churn (support tickets, failed invoices). Everything goes in as API calls (customers,
then their event history in batches); the journeys then do what they do for real customers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from activities.portfolio import score_portfolio
from models.health import PortfolioRequest
from models.playbook import PlaybookRef

SIGNUP_WINDOW_DAYS = 56
PLANS = (("free", 0), ("team", 400), ("business", 1500), ("enterprise", 6000))
SEGMENTS = ("smb", "mid_market", "enterprise")
INDUSTRIES = ("software", "retail", "finance", "health", "education", "media")
OWNERS = ("kim@cs.example", "lee@cs.example", "sam@cs.example", "ana@cs.example")
TIMEZONES = ("Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC")
NAMES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne",
    "Soylent", "Wonka", "Gringotts", "Aperture", "Black Mesa", "Vandelay", "Pied Piper",
)  # fmt: skip
MILESTONE_EVENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("user.email_verified", {}),
    ("workspace.profile_updated", {"complete": True}),
    ("project.created", {"template": "kanban"}),
    ("user.invited", {}),
    ("integration.connected", {"provider": "slack"}),
    ("report.shared", {}),
)
USAGE_EVENTS = ("dashboard.viewed", "page.viewed", "comment.added", "search.performed")


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    pace_hours: float
    """Typical hours between two milestones."""
    milestones: int
    """How many of the six it reaches, at most."""
    daily_activity: float
    quits_after_days: int | None = None
    troubled: bool = False


PERSONAS = (
    Persona("fast", 0.25, 10, 6, 0.9),
    Persona("steady", 0.33, 40, 5, 0.7),
    Persona("slow", 0.2, 110, 4, 0.45),
    Persona("stalled", 0.12, 20, 2, 0.5, quits_after_days=4),
    Persona("fading", 0.1, 30, 3, 0.6, quits_after_days=24, troubled=True),
)


@dataclass
class DemoCustomer:
    attributes: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


def demo_portfolio(customers: int, now: datetime, seed: int = 7) -> list[DemoCustomer]:
    """Pure and repeatable: the same seed and `now` give the same portfolio."""
    rng = random.Random(seed)
    return [_customer(rng, index, now) for index in range(customers)]


def _customer(rng: random.Random, index: int, now: datetime) -> DemoCustomer:
    persona = rng.choices(PERSONAS, weights=[p.share for p in PERSONAS])[0]
    plan, base_mrr = rng.choice(PLANS)
    signup = now - timedelta(days=rng.uniform(1, SIGNUP_WINDOW_DAYS))
    customer_id = f"demo-{index:04d}"
    name = f"{rng.choice(NAMES)} {rng.choice(('Labs', 'Inc', 'GmbH', 'Co', 'Group'))} {index}"
    customer = DemoCustomer(
        attributes={
            "customer_id": customer_id,
            "name": name,
            "email": f"{customer_id}@example.com",
            "plan": plan,
            "segment": rng.choice(SEGMENTS),
            "industry": rng.choice(INDUSTRIES),
            "csm_owner": rng.choice(OWNERS),
            "timezone": rng.choice(TIMEZONES),
            "mrr": round(base_mrr * rng.uniform(0.6, 1.6)) if base_mrr else 0,
            "signed_up_at": signup.isoformat(),
        }
    )
    moment = signup + timedelta(minutes=rng.uniform(2, 30))
    for key, (name_, properties) in enumerate(MILESTONE_EVENTS[: persona.milestones]):
        if moment > now:
            break
        customer.events.append(_event(customer_id, f"m{key}", name_, moment, properties))
        moment += timedelta(hours=rng.expovariate(1 / persona.pace_hours))
    active_until = now
    if persona.quits_after_days is not None:
        active_until = min(now, signup + timedelta(days=persona.quits_after_days))
    day = signup
    while day < active_until:
        if rng.random() < persona.daily_activity:
            for n in range(rng.randint(1, 6)):
                at = day + timedelta(hours=rng.uniform(8, 18), minutes=n)
                if at < active_until:
                    usage = rng.choice(USAGE_EVENTS)
                    customer.events.append(
                        _event(customer_id, f"u{len(customer.events)}", usage, at)
                    )
        day += timedelta(days=1)
    if persona.troubled:
        for n in range(rng.randint(2, 5)):
            at = signup + timedelta(days=rng.uniform(10, 30))
            if at < now:
                ticket = {"ticket_id": f"{customer_id}-t{n}", "priority": "p1", "sentiment": -0.7}
                customer.events.append(
                    _event(customer_id, f"t{n}", "support.ticket_opened", at, ticket)
                )
    if base_mrr:
        invoice_at = signup + timedelta(days=1)
        while invoice_at < now:
            failed = persona.troubled and invoice_at > signup + timedelta(days=20)
            name_ = "invoice.failed" if failed else "invoice.paid"
            customer.events.append(_event(customer_id, f"i{invoice_at:%j}", name_, invoice_at))
            invoice_at += timedelta(days=30)
    customer.events.sort(key=lambda e: str(e["occurred_at"]))
    return customer


def _event(
    customer_id: str, suffix: str, name: str, at: datetime, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"{customer_id}-{suffix}",
        "customer_id": customer_id,
        "name": name,
        "occurred_at": at.isoformat(),
        "properties": properties or {},
    }


@dataclass
class DemoLoaded:
    customers: int
    events: int


async def load_demo(
    http: httpx.AsyncClient, portfolio: list[DemoCustomer], batch: int = 1000
) -> DemoLoaded:
    """Send each customer's whole history in one batch (so the journey's first check-in scores
    it, not an empty past), then the customers' attributes. A re-run changes nothing: event ids
    make repeated events duplicates, and customers are upserts that keep their signup."""
    pending: list[dict[str, Any]] = []
    for customer in portfolio:
        if pending and len(pending) + len(customer.events) > batch:
            (await http.post("/v1/events/batch", json={"events": pending})).raise_for_status()
            pending = []
        pending += customer.events[:batch]
    if pending:
        (await http.post("/v1/events/batch", json={"events": pending})).raise_for_status()
    for customer in portfolio:
        (await http.post("/v1/customers", json=customer.attributes)).raise_for_status()
    return DemoLoaded(
        customers=len(portfolio), events=sum(len(c.events[:batch]) for c in portfolio)
    )


def backfill_weekly_scores(
    engine: Engine, tenant_id: str, playbook: PlaybookRef, now: datetime, weeks: int = 7
) -> int:
    """The scores the nightly run would have stored on each of the last `weeks` Mondays (each
    one sees only the events before its date), so trends and the risk chart have a past."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=2, minute=0, second=0)
    scored = 0
    for back in range(weeks, 0, -1):
        as_of = monday - timedelta(weeks=back)
        request = PortfolioRequest(
            tenant_id=tenant_id,
            playbook_name=playbook.name,
            playbook_version=playbook.version,
            as_of=as_of,
            run_key=f"demo-history/{as_of:%Y-%m-%d}",
        )
        scored += score_portfolio(engine, request).scored
    return scored
