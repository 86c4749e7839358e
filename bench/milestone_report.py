"""Milestone report speed over a large tenant.

Target (issue 4): 100,000 customers in under 1 second.
Run: python -m bench.milestone_report [customers]  (SQLite; set DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from activities.milestone_report import milestone_report
from core.config import Settings
from core.db import ensure_tenant, get_engine, insert_or_ignore, migrate, session_scope
from core.playbooks import load_playbook_file
from models.achievement import MilestoneAchievement
from models.customer import Customer


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(5)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=os.environ.get("DATABASE_URL"))
        migrate(settings)
        engine = get_engine(settings)
        playbook = load_playbook_file(settings.playbook_dir / "default.yaml")
        tenant = f"bench-{uuid.uuid4().hex[:8]}"
        people, reached = [], []
        for index in range(customers):
            signup = now - timedelta(days=rng.uniform(0, 120))
            customer_id = f"m{index:06d}"
            people.append(
                {
                    "tenant_id": tenant,
                    "customer_id": customer_id,
                    "timezone": "UTC",
                    "points": 0,
                    "signed_up_at": signup,
                    "created_at": now,
                    "updated_at": now,
                    "journey_status": rng.choice(["on_track", "behind", "stuck"]),
                }
            )
            for milestone in playbook.milestones:
                if rng.random() < 0.6:
                    hours = rng.uniform(1, 400)
                    reached.append(
                        {
                            "tenant_id": tenant,
                            "customer_id": customer_id,
                            "milestone_key": milestone.key,
                            "points": milestone.points,
                            "achieved_at": signup + timedelta(hours=hours),
                            "hours_to_reach": hours,
                            "playbook_version": playbook.version,
                        }
                    )
        with session_scope(engine) as session:
            ensure_tenant(session, tenant)
            insert_or_ignore(session, Customer, people, ["tenant_id", "customer_id"])
            insert_or_ignore(
                session,
                MilestoneAchievement,
                reached,
                ["tenant_id", "customer_id", "milestone_key"],
            )
        # What autovacuum does after a bulk load: statistics, and PostgreSQL's visibility map
        # (without it no index-only scan).
        maintenance = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(maintenance)
        timings = []
        for _ in range(5):
            with Session(engine) as session:
                started = time.perf_counter()
                report = milestone_report(session, tenant, playbook, now)
                timings.append(time.perf_counter() - started)
        assert all(m.median_hours is not None for m in report.milestones)
    database = settings.effective_database_url.split(":", 1)[0]
    print(
        f"milestone report over {report.customers:,} customers and {len(reached):,} "
        f"achievements on {database}:"
    )
    print(
        f"  best {min(timings) * 1000:.0f} ms, median {statistics.median(timings) * 1000:.0f} ms "
        f"over {len(timings)} runs (target < 1000 ms)"
    )


if __name__ == "__main__":
    main()
