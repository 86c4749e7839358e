"""GET /v1/milestones/report on hand-made data, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from models.achievement import MilestoneAchievement
from models.customer import Customer
from tests.stack import Stack, running_stack


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, any_db_settings: Settings) -> AsyncIterator[Stack]:
    async with running_stack(dev_env, any_db_settings, with_worker=False) as running:
        yield running


def seed(settings: Settings) -> None:
    tenant = settings.default_tenant
    customers = {
        "c1": (
            datetime(2026, 3, 2, tzinfo=UTC),
            "on_track",
            {"email_verified": 2, "first_project": 10},
        ),
        "c2": (datetime(2026, 3, 3, tzinfo=UTC), "behind", {"email_verified": 4}),
        "c3": (datetime(2026, 3, 9, tzinfo=UTC), "stuck", {}),
    }
    with session_scope(get_engine(settings)) as session:
        ensure_tenant(session, tenant)
        for customer_id, (signup, status, reached) in customers.items():
            session.add(
                Customer(
                    tenant_id=tenant,
                    customer_id=customer_id,
                    signed_up_at=signup,
                    journey_status=status,
                )
            )
            for key, hours in reached.items():
                session.add(
                    MilestoneAchievement(
                        tenant_id=tenant,
                        customer_id=customer_id,
                        milestone_key=key,
                        achieved_at=signup + timedelta(hours=hours),
                        hours_to_reach=hours,
                        points=10,
                        playbook_version="v",
                    )
                )


async def test_report_numbers(stack: Stack) -> None:
    seed(stack.settings)
    report = (await stack.http.get("/v1/milestones/report")).json()
    assert report["customers"] == 3
    assert report["statuses"] == {"on_track": 1, "behind": 1, "stuck": 1}
    stats = {m["key"]: m for m in report["milestones"]}
    verified = stats["email_verified"]
    assert (verified["reached"], verified["reached_rate"]) == (2, 0.6667)
    assert (verified["median_hours"], verified["p90_hours"]) == (3.0, 3.8)
    assert verified["overdue"] == 1  # c3, long past day 1
    assert (stats["first_project"]["median_hours"], stats["first_project"]["overdue"]) == (10.0, 2)
    assert stats["teammate_invited"]["median_hours"] is None
    funnel = [(step["key"], step["customers"]) for step in report["funnel"]]
    assert funnel[:2] == [("email_verified", 2), ("profile_completed", 0)]
    cohorts = [(c["week_of"], c["customers"], c["completed"]) for c in report["cohorts"]]
    assert cohorts == [("2026-03-02", 2, 0), ("2026-03-09", 1, 0)]
