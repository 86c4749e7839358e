"""Server time of the dashboard's overview and customer list on a large portfolio.

Seeds 10,000 customers and 1,000,000 events (plus milestones, weekly scores and deliveries) into
a fresh database, then times full requests through the app (queries, SVG charts, templates).
Run: python -m bench.dashboard_render [customers] [events]
     (DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test for PostgreSQL)
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from api.main import create_app
from core.api_keys import create_key
from core.config import Settings
from core.db import ensure_tenant, get_engine, migrate, session_scope
from core.playbooks import sync_playbooks
from models import tables  # noqa: F401  (registers every table)
from models.api_key import Scope

TENANT = "bench"
NOW = datetime.now(UTC).replace(microsecond=0)
STAGES = ("signed_up", "onboarding", "activated", "graduated", "stalled")
RISKS = ("healthy", "watch", "at_risk")
MILESTONES = (
    "email_verified",
    "profile_completed",
    "first_project",
    "teammate_invited",
    "integration_connected",
)
CHUNK = 50_000


def _insert(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    target = SQLModel.metadata.tables[table]
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(target), rows[start : start + CHUNK])


def seed(engine: Engine, customers: int, events: int) -> None:
    rng = random.Random(5)
    ids = [f"c{n:06d}" for n in range(customers)]
    _insert(
        engine,
        "customers",
        [
            {
                "tenant_id": TENANT,
                "customer_id": cid,
                "name": f"Customer {cid}",
                "email": f"{cid}@example.com",
                "plan": rng.choice(("free", "team", "business")),
                "segment": rng.choice(("smb", "mid_market", "enterprise")),
                "csm_owner": rng.choice(("kim", "lee", "sam")),
                "timezone": "UTC",
                "mrr": rng.choice((0, 400, 1500)),
                "signed_up_at": NOW - timedelta(days=rng.uniform(0, 120)),
                "stage": rng.choice(STAGES),
                "health_score": rng.uniform(0, 100),
                "risk_level": rng.choice(RISKS),
                "time_to_value_hours": rng.uniform(1, 200) if rng.random() < 0.7 else None,
                "points": rng.randint(0, 200),
                "created_at": NOW,
                "updated_at": NOW,
                "streak_current": 0,
                "streak_longest": 0,
            }
            for cid in ids
        ],
    )
    names = ("page.viewed", "dashboard.viewed", "project.created", "comment.added")
    _insert(
        engine,
        "events",
        [
            {
                "tenant_id": TENANT,
                "event_id": f"e{n}",
                "customer_id": rng.choice(ids),
                "name": rng.choice(names),
                "occurred_at": NOW - timedelta(minutes=rng.uniform(0, 90 * 24 * 60)),
                "properties": {},
                "received_at": NOW,
                "signalled_at": NOW,
            }
            for n in range(events)
        ],
    )
    _insert(
        engine,
        "milestone_achievements",
        [
            {
                "tenant_id": TENANT,
                "customer_id": cid,
                "milestone_key": key,
                "achieved_at": NOW - timedelta(days=rng.uniform(0, 90)),
                "playbook_version": "bench",
                "points": 10,
            }
            for cid in ids
            for key in MILESTONES[: rng.randint(0, len(MILESTONES))]
        ],
    )
    _insert(
        engine,
        "health_scores",
        [
            {
                "tenant_id": TENANT,
                "customer_id": cid,
                "idempotency_key": f"{cid}/{week}",
                "computed_at": NOW - timedelta(weeks=week),
                "score": rng.uniform(0, 100),
                "risk_level": rng.choice(RISKS),
                "confidence": 1.0,
                "components": [],
                "drivers": [],
            }
            for cid in ids
            for week in range(8)
        ],
    )
    _insert(
        engine,
        "deliveries",
        [
            {
                "tenant_id": TENANT,
                "customer_id": cid,
                "idempotency_key": f"{cid}/welcome/{n}",
                "channel": "email",
                "template": "welcome_short",
                "trigger_key": "welcome",
                "status": "sent",
                "created_at": NOW - timedelta(days=n),
                "sent_at": NOW - timedelta(days=n),
            }
            for cid in ids
            for n in range(3)
        ],
    )


async def time_pages(settings: Settings, token: str, runs: int) -> dict[str, list[float]]:
    """Full requests through the app (no network): queries, charts and templates."""
    app = create_app(settings)
    engine = get_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.playbooks = sync_playbooks(engine, settings.playbook_dir, settings.template_dir)
    timings: dict[str, list[float]] = {}
    paths = {
        "overview": "/dashboard",
        "overview, filtered (plan=team)": "/dashboard?plan=team",
        "customer list": "/dashboard/customers",
        "customer list, search + sort": "/dashboard/customers?q=c00012&sort=health_score",
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        cookies={"onboard_session": token},
    ) as http:
        for label, path in paths.items():
            for _ in range(runs):
                started = time.perf_counter()
                response = await http.get(path)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                timings.setdefault(label, []).append(elapsed)
    return timings


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=os.environ.get("DATABASE_URL"))
        migrate(settings)
        engine = get_engine(settings)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for table in ("deliveries", "health_scores", "milestone_achievements", "events"):
                    connection.execute(text(f"DELETE FROM {table} WHERE tenant_id = '{TENANT}'"))
                connection.execute(text(f"DELETE FROM customers WHERE tenant_id = '{TENANT}'"))
        with session_scope(engine) as session:
            ensure_tenant(session, TENANT)
            _, token = create_key(session, TENANT, "bench", [Scope.READ])
        started = time.perf_counter()
        seed(engine, customers, events)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(
            f"{engine.dialect.name}: seeded {customers:,} customers and {events:,} events "
            f"in {time.perf_counter() - started:.0f} s"
        )
        timings = asyncio.run(time_pages(settings, token, runs=5))
        for label, values in timings.items():
            print(
                f"  {label:<32} best {min(values) * 1000:5.0f} ms, "
                f"median {statistics.median(values) * 1000:5.0f} ms (5 runs)"
            )


if __name__ == "__main__":
    main()
