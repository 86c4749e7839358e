"""Engagement over the API: tenant channel settings, preferences and the signed unsubscribe
link, template preview, CS tasks completed through the journey, experiment results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scipy.stats import chi2_contingency
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.db import get_engine, session_scope
from core.preferences import unsubscribe_url
from models.api_key import Scope
from models.experiment import ExperimentExposure
from tests.factories import with_engagement
from tests.helpers import assert_eq_eventually
from tests.stack import Stack, running_stack


async def test_settings_round_trip_without_showing_the_secret(api_without_worker: Stack) -> None:
    api = api_without_worker
    body = {
        "email_sender": "Acme Success <success@acme.test>",
        "slack_webhook_url": "https://hooks.slack.test/T1/B2/x",
        "webhook_url": "https://crm.acme.test/hooks/onboard",
        "fallback_owner": "lead@acme.test",
        "webhook_secret": "s" * 32,
    }
    stored = await api.http.put("/v1/settings", json=body)
    assert stored.status_code == 200, stored.text
    shown = (await api.http.get("/v1/settings")).json()
    assert shown == {
        **{k: v for k, v in body.items() if k != "webhook_secret"},
        "webhook_secret_set": True,
    }
    kept = await api.http.put("/v1/settings", json={"fallback_owner": "other@acme.test"})
    assert kept.json()["webhook_secret_set"] is True and kept.json()["webhook_url"] is None

    for field, value in [
        ("webhook_url", "ftp://files.acme.test"),
        ("slack_webhook_url", "hooks.slack.test"),
        ("email_sender", "not an address"),
        ("webhook_secret", "short"),
    ]:
        refused = await api.http.put("/v1/settings", json={field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert ["body", field] in [e["loc"] for e in refused.json()["errors"]]
    read_only = await api.http.get("/v1/settings", headers=api.key(None, Scope.READ))
    assert read_only.status_code == 403


async def test_settings_refuse_private_webhook_targets(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    guarded = sqlite_settings.model_copy(update={"allow_private_webhooks": False})
    async with running_stack(dev_env, guarded, with_worker=False) as api:
        for url in ("http://127.0.0.1:9200/_search", "http://169.254.169.254/latest/meta-data"):
            refused = await api.http.put("/v1/settings", json={"webhook_url": url})
            assert refused.status_code == 422, refused.text
            assert "private, loopback or reserved" in refused.json()["detail"]


async def test_preferences_and_the_one_click_unsubscribe_link(api_without_worker: Stack) -> None:
    api = api_without_worker
    await api.http.post("/v1/customers", json={"customer_id": "dana", "email": "dana@example.com"})
    ingest = api.key(None, Scope.INGEST)
    off = await api.http.post(
        "/v1/customers/dana/preferences",
        json={"channel": "inapp", "category": "celebrations", "subscribed": False},
        headers=ingest,
    )
    assert off.status_code == 200, off.text
    assert (off.json()["source"], off.json()["subscribed"]) == ("api", False)
    for bad in ({"channel": "fax", "subscribed": False}, {"category": "Bad Name", "subscribed": 1}):
        assert (await api.http.post("/v1/customers/dana/preferences", json=bad)).status_code == 422
    missing = await api.http.post("/v1/customers/nobody/preferences", json={"subscribed": False})
    assert missing.status_code == 404

    link = unsubscribe_url(api.settings, api.settings.default_tenant, "dana", "email", "onboarding")
    path = "/v1/unsubscribe/" + link.rsplit("/", 1)[1]
    page = await api.http.get(path, headers={"Authorization": ""})
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert "onboarding messages by email" in page.text
    listed = await api.http.get("/v1/customers/dana/preferences")
    assert [p["channel"] for p in listed.json()] == ["inapp"]  # a GET changes nothing

    for _ in range(2):  # the mail client's one-click POST, then the button: same outcome
        done = await api.http.post(
            path, headers={"Authorization": ""}, content="List-Unsubscribe=One-Click"
        )
        assert done.status_code == 200 and "no longer receive" in done.text
    listed = await api.http.get("/v1/customers/dana/preferences")
    assert [(p["channel"], p["category"], p["subscribed"], p["source"]) for p in listed.json()] == [
        ("email", "onboarding", False, "link"),
        ("inapp", "celebrations", False, "api"),
    ]
    forged = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert (await api.http.post(forged, headers={"Authorization": ""})).status_code == 404


async def test_template_preview_renders_for_the_customer(api: Stack) -> None:
    created = await api.http.post(
        "/v1/customers",
        json={"customer_id": "dana", "name": "Dana & <Co>", "email": "dana@example.com"},
    )
    assert created.status_code == 201, created.text

    async def running() -> bool:
        journey = (await api.http.get("/v1/customers/dana")).json()["journey"]
        return journey is not None

    await assert_eq_eventually(True, running)
    preview = await api.http.post(
        "/v1/templates/preview",
        json={"customer_id": "dana", "channel": "email", "template": "welcome_short"},
    )
    assert preview.status_code == 200, preview.text
    parts = preview.json()["parts"]
    assert set(parts) == {"subject", "txt", "html"}
    assert parts["subject"] == "Welcome aboard, Dana & <Co>"
    assert "Dana &amp; &lt;Co&gt;" in parts["html"] and "<Co>" not in parts["html"]
    assert "Next: Verify your email address" in parts["txt"]
    assert preview.json()["journey_running"] is True

    nudge = {"customer_id": "dana", "channel": "inapp", "template": "adoption_nudge"}
    needs_milestone = await api.http.post("/v1/templates/preview", json=nudge)
    assert needs_milestone.status_code == 422 and "milestone" in needs_milestone.text
    with_milestone = await api.http.post(
        "/v1/templates/preview", json={**nudge, "milestone": "first_project"}
    )
    assert with_milestone.json()["parts"]["title"] == "Next up: Create your first project"
    unknown = await api.http.post("/v1/templates/preview", json={**nudge, "milestone": "nope"})
    assert unknown.status_code == 422
    missing = await api.http.post("/v1/templates/preview", json={**nudge, "template": "nope"})
    assert missing.status_code == 404 and "inapp/nope.title.j2" in missing.text
    hostile = await api.http.post("/v1/templates/preview", json={**nudge, "template": "../x"})
    assert hostile.status_code == 422


@pytest.fixture
async def task_stack(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> AsyncIterator[Stack]:
    """A playbook whose only trigger opens a CS task when a ticket is escalated."""
    trigger = {
        "key": "escalated_ticket",
        "when": {"event": "support.ticket_escalated"},
        "then": [{"channel": "task", "template": "at_risk_call", "due_hours": 4}],
        "category": "success",
    }
    settings = with_engagement(sqlite_settings, tmp_path / "playbooks", {"triggers": [trigger]})
    async with running_stack(dev_env, settings) as stack:
        yield stack


async def test_a_task_is_listed_and_completed_through_the_journey(task_stack: Stack) -> None:
    api = task_stack
    await api.http.post("/v1/customers", json={"customer_id": "dana", "csm_owner": "kim@cs.test"})
    event = {
        "event_id": "t1",
        "customer_id": "dana",
        "name": "support.ticket_escalated",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    assert (await api.http.post("/v1/events", json=event)).status_code == 202

    async def pending() -> list[tuple[str | None, str]]:
        page = (await api.http.get("/v1/tasks")).json()
        return [(t["owner"], t["status"]) for t in page["data"]]

    await assert_eq_eventually([("kim@cs.test", "open")], pending, timeout=30)
    task = (await api.http.get("/v1/tasks", params={"owner": "kim@cs.test"})).json()["data"][0]
    assert task["title"].startswith("Call dana") and task["trigger_key"] == "escalated_ticket"
    journey = (await api.http.get("/v1/customers/dana")).json()["journey"]
    assert [t["trigger"] for t in journey["engagement"]["open_tasks"]] == ["escalated_ticket"]

    read_only = await api.http.post(
        f"/v1/tasks/{task['id']}/complete", json={"actor": "kim"}, headers=api.key(None, Scope.READ)
    )
    assert read_only.status_code == 403
    done = await api.http.post(
        f"/v1/tasks/{task['id']}/complete", json={"actor": "kim", "note": "Called; fixed SSO."}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["completed_by"]) == ("done", "kim")
    assert done.json()["note"] == "Called; fixed SSO."
    again = await api.http.post(f"/v1/tasks/{task['id']}/complete", json={"actor": "kim"})
    assert again.status_code == 409
    journey = (await api.http.get("/v1/customers/dana")).json()["journey"]
    assert journey["engagement"]["open_tasks"] == []
    assert (await api.http.get("/v1/tasks")).json()["total"] == 0
    assert (await api.http.get("/v1/tasks", params={"status": "done"})).json()["total"] == 1
    assert (await api.http.get("/v1/tasks/999999")).status_code == 404
    other_tenant = api.key("someone-else", Scope.ADMIN)
    hidden = await api.http.get(f"/v1/tasks/{task['id']}", headers=other_tenant)
    assert hidden.status_code == 404


async def test_experiment_results_against_the_holdout(api_without_worker: Stack) -> None:
    api = api_without_worker
    tenant = api.settings.default_tenant
    counts = {"short": (240, 60), "guided": (60, 21), "holdout": (200, 30)}
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with session_scope(get_engine(api.settings)) as session:
        for variant, (exposed, converted) in counts.items():
            for n in range(exposed):
                session.add(
                    ExperimentExposure(
                        tenant_id=tenant,
                        experiment="welcome_copy",
                        customer_id=f"{variant}-{n}",
                        variant=variant,
                        exposed_at=at,
                        converted_at=at if n < converted else None,
                    )
                )
    report = await api.http.get("/v1/experiments/welcome_copy")
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["trigger"], body["goal"], body["window_days"]) == (
        "welcome",
        "milestone first_project",
        14,
    )
    arms = {arm["variant"]: arm for arm in body["arms"]}
    assert [arm["variant"] for arm in body["arms"]] == ["short", "guided", "holdout"]
    short, guided, holdout = arms["short"], arms["guided"], arms["holdout"]
    assert (short["exposed"], short["converted"], short["rate"]) == (240, 60, 0.25)
    assert holdout["rate"] == 0.15 and holdout["lift"] is None
    assert short["lift"] == pytest.approx(0.10)
    # Independently: the two-proportion z-test's p equals the uncorrected chi-square test's.
    expected_p = chi2_contingency([[60, 180], [30, 170]], correction=False).pvalue
    assert short["p_value"] == pytest.approx(expected_p, rel=1e-9)
    assert short["lift_low"] < 0.10 < short["lift_high"]
    assert short["enough_data"] is True and guided["enough_data"] is False
    assert body["enough_data"] is False  # guided has 60 < 100 exposures
    listed = await api.http.get("/v1/experiments")
    assert [e["key"] for e in listed.json()] == ["welcome_copy"]
    assert (await api.http.get("/v1/experiments/nope")).status_code == 404


@pytest.fixture
async def ping_stack(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> AsyncIterator[Stack]:
    """One trigger: an in-app message on every `ping`, no caps or quiet hours."""
    trigger = {
        "key": "pong",
        "when": {"event": "ping"},
        "then": [{"channel": "inapp", "template": "product_update"}],
    }
    engagement = {"guardrails": {"caps": [], "quiet_hours": None}, "triggers": [trigger]}
    settings = with_engagement(sqlite_settings, tmp_path / "playbooks", engagement)
    async with running_stack(dev_env, settings) as stack:
        yield stack


async def test_a_paused_journey_holds_its_messages_until_resumed(ping_stack: Stack) -> None:
    api = ping_stack
    await api.http.post("/v1/customers", json={"customer_id": "dana"})

    async def pong_verdicts() -> list[str]:
        journey = (await api.http.get("/v1/customers/dana")).json()["journey"]
        decisions = journey["engagement"]["decisions"] if journey else []
        return [d["verdict"] for d in decisions if d["verdict"] != "queued"]

    async def ping(n: int) -> None:
        event = {
            "event_id": f"p{n}",
            "customer_id": "dana",
            "name": "ping",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        assert (await api.http.post("/v1/events", json=event)).status_code == 202

    await assert_eq_eventually(True, lambda: _running(api, "dana"))
    control = "/v1/customers/dana/journey"
    refused = await api.http.post(f"{control}/resume", json={"actor": "kim"})
    assert refused.status_code == 409 and "not paused" in refused.text
    past = {"actor": "kim", "until": "2020-01-01T00:00:00Z"}
    assert (await api.http.post(f"{control}/snooze", json=past)).status_code == 409
    paused = await api.http.post(f"{control}/pause", json={"actor": "kim", "reason": "renewal"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused_until"] is not None
    await ping(1)
    await assert_eq_eventually(["deferred"], pong_verdicts, timeout=30)
    assert (await api.http.get("/v1/customers/dana/inbox")).json()["data"] == []

    resumed = await api.http.post(f"{control}/resume", json={"actor": "kim"})
    assert resumed.status_code == 200 and resumed.json()["paused_until"] is None
    await assert_eq_eventually(["deferred", "sent"], pong_verdicts, timeout=30)
    inbox = (await api.http.get("/v1/customers/dana/inbox")).json()["data"]
    assert [m["title"] for m in inbox] == ["New this month"]
    pauses = (await api.http.get("/v1/customers/dana")).json()["journey"]["pauses"]
    assert [(p["action"], p["actor"]) for p in pauses] == [("pause", "kim"), ("resume", "kim")]


async def _running(api: Stack, customer_id: str) -> bool:
    return (await api.http.get(f"/v1/customers/{customer_id}")).json()["journey"] is not None
