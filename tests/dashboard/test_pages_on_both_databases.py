"""Every dashboard page renders on SQLite and on PostgreSQL (their SQL differs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from tests.stack import Stack, running_stack


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, any_db_settings: Settings) -> AsyncIterator[Stack]:
    async with running_stack(dev_env, any_db_settings) as running:
        yield running


async def test_every_page_renders(stack: Stack) -> None:
    now = datetime.now(UTC)
    for n, plan in enumerate(("team", "free", "team")):
        body = {
            "customer_id": f"c{n}",
            "plan": plan,
            "mrr": 100 * n,
            "signed_up_at": (now - timedelta(days=10 * n + 1)).isoformat(),
        }
        assert (await stack.http.post("/v1/customers", json=body)).status_code == 201
    events = [
        {
            "event_id": f"e{n}",
            "customer_id": f"c{n % 3}",
            "name": "project.created" if n < 3 else "page.viewed",
            "occurred_at": (now - timedelta(hours=n)).isoformat(),
        }
        for n in range(12)
    ]
    assert (await stack.http.post("/v1/events/batch", json={"events": events})).status_code == 202
    key = stack.http.headers["Authorization"].split()[1]
    login = await stack.http.post("/dashboard/login", data={"api_key": key})
    assert login.status_code == 303
    stack.http.cookies.set("onboard_session", key)
    for path in (
        "/dashboard",
        "/dashboard?plan=team&from=2020-01-01&to=2030-01-01&owner=nobody",
        "/dashboard/customers?sort=health_score&dir=asc&q=c",
        "/dashboard/customers/c1",
        "/dashboard/tasks",
        "/dashboard/experiments",
        "/dashboard/kpis.csv?plan=team",
    ):
        page = await stack.http.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    exported = await stack.http.get("/dashboard/customers.csv?plan=team&sort=customer_id&dir=asc")
    assert exported.text.splitlines()[1:] and [
        line.split(",")[0] for line in exported.text.splitlines()[1:]
    ] == ["c0", "c2"]
    missing = await stack.http.get("/dashboard/customers/nobody")
    assert missing.status_code == 404
