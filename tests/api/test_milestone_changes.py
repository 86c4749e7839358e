"""CS staff reach or reset milestones through the journey's update; the validator refuses
unknown milestones, missing prerequisites and no-ops, and nothing is recorded then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from tests.factories import daytime_zone
from tests.helpers import assert_eq_eventually
from tests.stack import Stack, running_stack

WHO = {"actor": "kim", "reason": "confirmed on the onboarding call"}


@pytest.fixture
async def api_with_prerequisites(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> AsyncIterator[Stack]:
    """The default playbook plus a milestone that requires the first project."""
    folder = tmp_path / "playbooks"
    folder.mkdir()
    source = sqlite_settings.playbook_dir / "default.yaml"
    data = yaml.safe_load(source.read_text())
    data["milestones"].append(
        {
            "key": "project_shared",
            "title": "Share a project",
            "event": "project.shared",
            "requires": ["first_project"],
            "required": False,
        }
    )
    (folder / "default.yaml").write_text(yaml.safe_dump(data))
    settings = sqlite_settings.model_copy(update={"playbook_dir": folder})
    async with running_stack(dev_env, settings) as stack:
        yield stack


async def post(stack: Stack, key: str, action: str) -> Any:
    return await stack.http.post(f"/v1/customers/acme/milestones/{key}/{action}", json=WHO)


async def test_manual_changes_are_validated_applied_and_recorded(
    api_with_prerequisites: Stack,
) -> None:
    api = api_with_prerequisites
    # Daytime where the customer is: the welcome goes out at once, not at 08:00 (quiet hours).
    zone = daytime_zone(datetime.now(UTC))
    await api.http.post("/v1/customers", json={"customer_id": "acme", "timezone": zone})

    async def ready() -> object:
        journey = (await api.http.get("/v1/customers/acme")).json()["journey"]
        return journey and journey["next_wakeup_reason"]

    await assert_eq_eventually("day 1 check-in", ready)

    refused = await post(api, "project_shared", "achieve")
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        "prerequisite not reached: first_project",
    )
    unknown = await post(api, "moonwalk", "achieve")
    assert (unknown.status_code, unknown.json()["detail"]) == (409, "unknown milestone 'moonwalk'")
    nothing = await post(api, "first_project", "reset")
    assert nothing.json()["detail"] == "milestone 'first_project' is not reached; nothing to reset"

    done = await post(api, "first_project", "achieve")
    assert done.status_code == 200, done.text
    state = done.json()
    assert next(m for m in state["milestones"] if m["key"] == "first_project")["state"] == "done"
    assert state["stage"] == "activated" and state["points"] == 30
    assert [(c["milestone_key"], c["action"], c["actor"]) for c in state["manual_changes"]] == [
        ("first_project", "achieve", "kim")
    ]
    again = await post(api, "first_project", "achieve")
    assert again.json()["detail"] == "milestone 'first_project' is already reached"
    assert (await post(api, "project_shared", "achieve")).status_code == 200

    undone = await post(api, "project_shared", "reset")
    assert undone.status_code == 200
    final = undone.json()
    assert next(m for m in final["milestones"] if m["key"] == "project_shared")["state"] != "done"
    assert [c["action"] for c in final["manual_changes"]] == ["achieve", "achieve", "reset"]
    customer = (await api.http.get("/v1/customers/acme")).json()
    assert customer["points"] == 30  # the mirror follows the reset
