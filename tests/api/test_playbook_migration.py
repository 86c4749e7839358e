"""Milestones edited through the API make a new playbook version; journeys in flight keep theirs
until migrated, and move with their progress intact (the dry run says what would change)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from models.journey import journey_workflow_id
from tests.helpers import assert_eq_eventually
from tests.stack import Stack
from workflows.journey_workflow import CustomerJourneyWorkflow

SIGNUP = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
THREE_PROJECTS = {
    "key": "three_projects",
    "title": "Create three projects",
    "category": "feature_adoption",
    "when": {"event": "project.created", "count": 3},
    "required": False,
    "points": 40,
}
ADMIN = {"actor": "lee", "reason": "three projects is our real activation signal"}


async def journey(api: Stack, customer_id: str) -> Any:
    return (await api.http.get(f"/v1/customers/{customer_id}")).json()["journey"]


async def start(api: Stack, customer_id: str, *events: str) -> None:
    body = {"customer_id": customer_id, "signed_up_at": SIGNUP.isoformat()}
    assert (await api.http.post("/v1/customers", json=body)).status_code == 201
    await send(api, customer_id, *events)


async def send(api: Stack, customer_id: str, *events: str) -> None:
    before = (await journey(api, customer_id) or {}).get("events_processed", 0)
    for index, name in enumerate(events):
        response = await api.http.post(
            "/v1/events",
            json={
                "event_id": f"{customer_id}-{before + index}",
                "customer_id": customer_id,
                "name": name,
                "occurred_at": (SIGNUP + timedelta(hours=before + index + 1)).isoformat(),
            },
        )
        assert response.status_code == 202, response.text

    async def processed() -> object:
        state = await journey(api, customer_id)
        return state and state["events_processed"]

    await assert_eq_eventually(before + len(events), processed)


def milestone(state: Any, key: str) -> Any:
    return next(m for m in state["milestones"] if m["key"] == key)


async def test_edit_publish_and_migrate_customers_mid_journey(api: Stack) -> None:
    await start(api, "ada", "user.email_verified", *["project.created"] * 3)
    await start(api, "bob", "project.created", "project.created")
    await start(api, "cyd")
    v1 = (await api.http.get("/v1/milestones")).json()["version"]
    ada_before = await journey(api, "ada")
    assert ada_before["playbook"]["version"] == v1

    # Edits: bad ones are refused with the reason and publish nothing.
    stale = await api.http.post("/v1/milestones", json=THREE_PROJECTS, headers={"If-Match": "x"})
    assert stale.status_code == 412 and "re-apply the edit" in stale.json()["detail"]
    unknown = await api.http.post(
        "/v1/milestones", json={**THREE_PROJECTS, "requires": ["moonwalk"]}
    )
    assert unknown.status_code == 422
    assert "requires unknown ['moonwalk']" in unknown.json()["detail"]
    taken = await api.http.post("/v1/milestones", json={**THREE_PROJECTS, "key": "first_project"})
    assert (taken.status_code, taken.json()["detail"]) == (
        409,
        "milestone 'first_project' already exists; PUT changes it",
    )
    created = await api.http.post("/v1/milestones", json=THREE_PROJECTS, headers={"If-Match": v1})
    assert created.status_code == 201, created.text
    v2 = created.json()["version"]
    assert v2 != v1 and created.json()["milestones"][-1]["key"] == "three_projects"
    assert (await api.http.get("/v1/milestones/three_projects")).json()["points"] == 40

    # Journeys in flight keep version 1; a new customer starts on version 2.
    await start(api, "dee")
    assert (await journey(api, "dee"))["playbook"]["version"] == v2
    assert (await journey(api, "ada"))["playbook"]["version"] == v1
    playbook = (await api.http.get("/v1/playbooks/default")).json()
    assert playbook["current_version"] == v2
    assert playbook["customers_by_version"] == {v1: 3, v2: 1}
    assert [(v["version"], v["current"]) for v in playbook["versions"]] == [
        (v1, False),
        (v2, True),
    ]

    # Dry run: what would change for each, and nothing changes.
    dry = (await api.http.post("/v1/playbooks/default/migrate", json=ADMIN)).json()
    assert dry["dry_run"] and dry["to_version"] == v2 and dry["remaining"] == 3
    plans = {c["customer_id"]: c for c in dry["customers"]}
    assert set(plans) == {"ada", "bob", "cyd"}
    assert all(p["added"] == ["three_projects"] for p in plans.values())
    assert plans["ada"]["newly_reached"] == ["three_projects"]
    assert plans["bob"]["newly_reached"] == plans["cyd"]["newly_reached"] == []
    assert (await journey(api, "ada"))["playbook"]["version"] == v1

    # The real run moves them at a safe point, progress intact.
    done = await api.http.post("/v1/playbooks/default/migrate", json={**ADMIN, "dry_run": False})
    report = done.json()
    assert (report["migrated"], report["failed"], report["remaining"]) == (3, 0, 0), report
    ada = await journey(api, "ada")
    assert ada["playbook"]["version"] == v2
    for key in ("email_verified", "first_project"):
        assert milestone(ada, key)["achieved_at"] == milestone(ada_before, key)["achieved_at"]
    reached = milestone(ada, "three_projects")
    assert reached["state"] == "done"
    assert reached["achieved_at"] == (SIGNUP + timedelta(hours=4)).isoformat().replace(
        "+00:00", "Z"
    )
    assert ada["points"] == ada_before["points"] + 40
    assert [(m["from_version"], m["to_version"], m["actor"]) for m in ada["migrations"]] == [
        (v1, v2, "lee")
    ]
    bob = await journey(api, "bob")
    assert round(milestone(bob, "three_projects")["progress"], 2) == 0.67
    await send(api, "bob", "project.created")
    assert milestone(await journey(api, "bob"), "three_projects")["state"] == "done"

    async def versions() -> object:
        return (await api.http.get("/v1/playbooks/default")).json()["customers_by_version"]

    await assert_eq_eventually({v2: 4}, versions)
    again = (await api.http.post("/v1/playbooks/default/migrate", json=ADMIN)).json()
    assert again["customers"] == [] and again["remaining"] == 0
    await assert_replays(api, "ada")


async def assert_replays(api: Stack, customer_id: str) -> None:
    """The migrated journey's own history replays on the same code: the move is deterministic."""
    handle = api.temporal.get_workflow_handle(
        journey_workflow_id(api.settings.default_tenant, customer_id)
    )
    history = await handle.fetch_history()
    assert any(
        e.HasField("workflow_execution_update_completed_event_attributes") for e in history.events
    )
    replayer = Replayer(workflows=[CustomerJourneyWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def test_edits_and_migration_refuse_bad_requests(api: Stack) -> None:
    missing = await api.http.put(
        "/v1/milestones/moonwalk", json={**THREE_PROJECTS, "key": "moonwalk"}
    )
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no milestone 'moonwalk' in playbook 'default'",
    )
    assert (await api.http.delete("/v1/milestones/first_project")).status_code == 409
    no_version = await api.http.post(
        "/v1/playbooks/default/migrate", json={**ADMIN, "to_version": "0123456789ab"}
    )
    assert (no_version.status_code, no_version.json()["detail"]) == (
        404,
        "playbook 'default' has no version '0123456789ab'",
    )
    other = await api.http.post("/v1/playbooks/other/migrate", json=ADMIN)
    assert other.status_code == 404
    bad_ids = await api.http.post(
        "/v1/playbooks/default/migrate", json={**ADMIN, "customer_ids": ["a/b"]}
    )
    assert bad_ids.status_code == 422
    assert (await api.http.get("/v1/milestones")).json()["version"] == (
        await api.http.get("/v1/playbooks/default")
    ).json()["current_version"]
