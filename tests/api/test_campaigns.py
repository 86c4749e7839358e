"""Scheduled campaigns on the dev server: the Temporal Schedule fires at its moment, the fan-out
reaches each journey, the segment and the customers' own caps decide who gets what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from models.api_key import Scope
from tests.factories import daytime_zone, with_engagement
from tests.helpers import assert_eq_eventually
from tests.smtp_sink import SmtpSink
from tests.stack import Stack, running_stack

EMAIL = [{"channel": "email", "template": "product_update"}]


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> AsyncIterator[Stack]:
    """No playbook triggers: the campaign is the only thing that sends."""
    settings = with_engagement(sqlite_settings, tmp_path / "playbooks", {"triggers": []})
    async with running_stack(dev_env, settings) as running:
        yield running


async def decisions(stack: Stack, customer_id: str) -> list[tuple[str, str, str]]:
    journey = (await stack.http.get(f"/v1/customers/{customer_id}")).json()["journey"]
    found = journey["engagement"]["decisions"] if journey else []
    return [(d["trigger"], d["verdict"], d["reason"]) for d in found if d["verdict"] != "queued"]


async def test_a_campaign_reaches_its_segment_at_its_time_within_the_caps(
    stack: Stack, smtp_sink: SmtpSink
) -> None:
    zone = daytime_zone(datetime.now(UTC))
    for name, plan in (("ana", "team"), ("ben", "team"), ("cal", "free")):
        created = await stack.http.post(
            "/v1/customers",
            json={
                "customer_id": name,
                "name": name.title(),
                "email": f"{name}@example.com",
                "plan": plan,
                "timezone": zone,
            },
        )
        assert created.status_code == 201, created.text
    at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    launch = {"key": "winter_launch", "segment": 'customer.plan == "team"', "then": EMAIL}
    created = await stack.http.post("/v1/campaigns", json={**launch, "at": at.isoformat()})
    assert created.status_code == 201, created.text
    assert created.json()["next_runs"] == [at.isoformat().replace("+00:00", "Z")]

    async def recipients() -> list[str]:
        return sorted(m["To"] for m in smtp_sink.messages)

    await assert_eq_eventually(["ana@example.com", "ben@example.com"], recipients, timeout=30)
    assert smtp_sink.messages[0]["Subject"].startswith("What's new for ")
    await assert_eq_eventually(
        [("campaign:winter_launch", "skipped", "not in the segment")],
        lambda: decisions(stack, "cal"),
    )
    shown = (await stack.http.get("/v1/campaigns/winter_launch")).json()
    assert shown["next_runs"] == [] and len(shown["recent_runs"]) == 1

    # A second campaign the same day: one email a day per customer holds, so Ana's waits.
    tips = {"key": "tips", "then": EMAIL, "cron": "0 9 1 1 *", "priority": 7}
    assert (await stack.http.post("/v1/campaigns", json=tips)).status_code == 201
    assert (await stack.http.post("/v1/campaigns/tips/run")).status_code == 202

    async def tips_verdicts() -> list[str]:
        return [v for t, v, _ in await decisions(stack, "ana") if t == "campaign:tips"]

    await assert_eq_eventually(["deferred"], tips_verdicts, timeout=30)
    reason = [r for t, _, r in await decisions(stack, "ana") if t == "campaign:tips"][0]
    assert reason.startswith("cap of 1 email message(s) per day reached")
    # Everyone is in this one's segment: Cal, who got nothing today, gets it at once.
    await assert_eq_eventually(
        ["ana@example.com", "ben@example.com", "cal@example.com"], recipients, timeout=30
    )
    listed = (await stack.http.get("/v1/campaigns")).json()
    assert [c["key"] for c in listed] == ["tips", "winter_launch"]

    assert (await stack.http.delete("/v1/campaigns/tips")).status_code == 204
    assert (await stack.http.get("/v1/campaigns/tips")).status_code == 404
    assert (await stack.http.post("/v1/campaigns/tips/run")).status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"segment": "secrets.plan == 1"}, 422, "unknown variables ['secrets']"),
        ({"segment": "customer.plan =="}, 422, "not a valid CEL expression"),
        ({"then": [{"channel": "email", "template": "nope"}]}, 422, "email/nope.subject.j2"),
        ({"at": "2020-01-01T00:00:00Z", "cron": None}, 422, "'at' is in the past"),
        ({"at": "2030-01-01T00:00:00Z"}, 422, "exactly one of 'at'"),
        ({"cron": "every tuesday"}, 422, ""),
        ({"timezone": "Mars/Olympus"}, 422, "unknown IANA timezone"),
        ({"rate_per_second": 0}, 422, "rate_per_second"),
    ],
)
async def test_bad_campaigns_are_refused_with_the_reason(
    stack: Stack, change: dict[str, Any], status: int, message: str
) -> None:
    body = {"key": "launch", "then": EMAIL, "cron": "0 9 * * 1", **change}
    refused = await stack.http.post("/v1/campaigns", json=body)
    assert refused.status_code == status, refused.text
    assert message in refused.text
    assert (await stack.http.get("/v1/campaigns")).json() == []


async def test_campaign_keys_are_unique_and_need_admin(stack: Stack) -> None:
    body = {"key": "launch", "then": EMAIL, "cron": "0 9 * * 1"}
    assert (await stack.http.post("/v1/campaigns", json=body)).status_code == 201
    assert (await stack.http.post("/v1/campaigns", json=body)).status_code == 409
    read = stack.key(None, Scope.READ)
    assert (await stack.http.post("/v1/campaigns", json=body, headers=read)).status_code == 403
    assert (await stack.http.get("/v1/campaigns", headers=read)).status_code == 200
    other = stack.key("another-tenant", Scope.ADMIN)
    assert (await stack.http.get("/v1/campaigns/launch", headers=other)).status_code == 404
    assert (await stack.http.delete("/v1/campaigns/launch")).status_code == 204
