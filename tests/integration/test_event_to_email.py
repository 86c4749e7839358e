"""The vertical slice on real components: API → Temporal dev server → worker → SMTP and database.

Runs once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from models.journey import journey_workflow_id
from tests.helpers import assert_eq_eventually
from tests.smtp_sink import SmtpSink
from tests.stack import Stack, running_stack


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, any_db_settings: Settings) -> AsyncIterator[Stack]:
    async with running_stack(dev_env, any_db_settings) as running:
        yield running


def event(event_id: str, customer_id: str, name: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "customer_id": customer_id,
        "name": name,
        "occurred_at": at.isoformat(),
        "properties": {},
    }


async def journey(stack: Stack, customer_id: str) -> dict[str, Any]:
    response = await stack.http.get(f"/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_event_to_milestone_to_checkin_to_email(stack: Stack, smtp_sink: SmtpSink) -> None:
    customer_id = f"robin-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    created = await stack.http.post(
        "/v1/customers",
        json={
            "customer_id": customer_id,
            "name": "Robin",
            "email": "robin@example.com",
            "plan": "team",
            "signed_up_at": (now - timedelta(days=2, hours=1)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text

    async def next_wakeup() -> str | None:
        state = (await journey(stack, customer_id))["journey"]
        return state["next_wakeup_reason"] if state else None

    # The day-1 check-in is already due: it scores health and nudges the late email verification.
    await assert_eq_eventually("day 3 check-in", next_wakeup, timeout=30)

    batch = {
        "events": [
            event("ev-1", customer_id, "user.email_verified", now),
            event("ev-2", customer_id, "project.created", now + timedelta(seconds=1)),
        ]
    }
    first = await stack.http.post("/v1/events/batch", json=batch)
    assert first.status_code == 202, first.text
    assert (first.json()["accepted"], first.json()["duplicates"]) == (2, 0)
    again = await stack.http.post("/v1/events/batch", json=batch)
    assert (again.status_code, again.json()["duplicates"]) == (202, 2)
    single = await stack.http.post("/v1/events", json=batch["events"][0])
    assert (single.status_code, single.json()["duplicate"]) == (202, True)
    marker = await stack.http.post(
        "/v1/events", json=event("ev-3", customer_id, "page.viewed", now + timedelta(seconds=2))
    )
    assert marker.status_code == 202

    async def processed() -> int:
        state = (await journey(stack, customer_id))["journey"]
        return int(state["events_processed"]) if state else -1

    # Signals are ordered: once the marker is processed, any duplicate would have been too.
    await assert_eq_eventually(3, processed, timeout=30)

    body = await journey(stack, customer_id)
    state = body["journey"]
    done = [m["key"] for m in state["milestones"] if m["state"] == "done"]
    assert done == ["email_verified", "first_project"]
    assert (state["stage"], state["points"]) == ("activated", 40)
    assert state["last_score"]["components"] and state["last_score"]["risk_level"]
    assert [(i["milestone_key"], i["channel"], i["status"]) for i in state["interventions"]] == [
        ("email_verified", "email", "sent"),
        ("email_verified", "inapp", "sent"),
    ]
    assert body["workflow_id"] == journey_workflow_id(stack.settings.default_tenant, customer_id)

    assert [(m["To"], m["Subject"]) for m in smtp_sink.messages] == [
        ("robin@example.com", "Robin, one step left: Verify your email address")
    ]
    inbox = await stack.http.get(f"/v1/customers/{customer_id}/inbox")
    assert [m["title"] for m in inbox.json()["data"]] == ["Next step: Verify your email address"]

    async def visible(query: str) -> list[str]:
        return [w.id async for w in stack.temporal.list_workflows(query)]

    workflow_id = journey_workflow_id(stack.settings.default_tenant, customer_id)
    await assert_eq_eventually(
        [workflow_id],
        lambda: visible(
            f"WorkflowId = '{workflow_id}' AND TenantId = '{stack.settings.default_tenant}' "
            "AND OnboardingStage = 'activated' AND HealthScore >= 0 AND RiskLevel != ''"
        ),
        timeout=30,
    )
    listed = await stack.http.get("/v1/customers", params={"stage": "activated"})
    assert customer_id in [c["customer_id"] for c in listed.json()["data"]]
