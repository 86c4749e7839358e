"""Nightly portfolio run end to end through the database: load, score, store, mirror.

Target (issue 3): 10,000 customers in under 60 s.
Run: python -m bench.portfolio [customers]   (SQLite in a temp dir; set DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from activities.portfolio import score_portfolio
from bench.synthetic import FEATURES, KEY_FEATURES
from core.backfill import import_events
from core.config import Settings
from core.db import get_engine, migrate, session_scope
from core.playbooks import load_playbook_file, store_playbook
from models.event import EventCreate
from models.health import PortfolioRequest
from models.playbook import Playbook


def portfolio_events(customers: int, as_of: datetime, seed: int = 3) -> list[EventCreate]:
    """About 30 events per customer over the last 45 days, some tickets and invoices."""
    rng = random.Random(seed)
    events = []
    for index in range(customers):
        customer_id = f"p{index:06d}"
        activity = rng.random()
        for number in range(rng.randint(5, 50)):
            name = (
                rng.choice(FEATURES)
                if rng.random() < 0.9
                else rng.choice(["support.ticket_opened", "invoice.paid", "invoice.failed"])
            )
            events.append(
                EventCreate(
                    event_id=f"{customer_id}-{number}",
                    customer_id=customer_id,
                    name=name,
                    occurred_at=as_of - timedelta(days=rng.uniform(0, 45 * (1.2 - activity))),
                    properties={"priority": "p1"}
                    if name.startswith("support") and rng.random() < 0.2
                    else {},
                )
            )
    return events


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    as_of = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=os.environ.get("DATABASE_URL"))
        migrate(settings)
        engine = get_engine(settings)
        playbook = Playbook.model_validate(
            {
                **load_playbook_file(settings.playbook_dir / "default.yaml").model_dump(),
                "health": {"key_features": KEY_FEATURES},
            }
        )
        with session_scope(engine) as session:
            store_playbook(session, playbook)
        tenant = f"bench-{uuid.uuid4().hex[:8]}"
        events = portfolio_events(customers, as_of)
        import_events(engine, tenant, events)
        runs = []
        for run in range(2):  # the second run has a night of history: trends and changes
            request = PortfolioRequest(
                tenant_id=tenant,
                playbook_name=playbook.name,
                playbook_version=playbook.version,
                as_of=as_of + timedelta(days=run),
                run_key=f"bench/{run}",
            )
            started = time.perf_counter()
            result = score_portfolio(engine, request)
            runs.append((time.perf_counter() - started, result))
    database = settings.effective_database_url.split(":", 1)[0]
    print(f"portfolio run for {customers:,} customers ({len(events):,} events) on {database}:")
    for number, (seconds, result) in enumerate(runs, start=1):
        print(
            f"  run {number}: {seconds:.1f} s end to end, {result.scored:,} scored, "
            f"{len(result.changed):,} risk changes (target < 60 s)"
        )


if __name__ == "__main__":
    main()
