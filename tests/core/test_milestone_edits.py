"""Milestone edits give a new, valid playbook version or a refusal that says why."""

from __future__ import annotations

import pytest

from core.milestone_edits import (
    MilestoneConflict,
    MilestoneNotFound,
    add_milestone,
    remove_milestone,
    replace_milestone,
)
from models.playbook import MilestoneDefinition
from tests.factories import default_playbook

PLAYBOOK = default_playbook()


def milestone(**fields: object) -> MilestoneDefinition:
    base: dict[str, object] = {"key": "three_projects", "title": "Create three projects"}
    return MilestoneDefinition.model_validate(
        base | {"when": {"event": "project.created", "count": 3}} | fields
    )


def test_add_appends_or_inserts_and_changes_the_version() -> None:
    appended = add_milestone(PLAYBOOK, milestone())
    assert appended.milestones[-1].key == "three_projects"
    assert appended.version != PLAYBOOK.version
    inserted = add_milestone(PLAYBOOK, milestone(), after="first_project")
    keys = [m.key for m in inserted.milestones]
    assert keys[keys.index("first_project") + 1] == "three_projects"
    assert inserted.version != appended.version  # order is part of the playbook


def test_add_refuses_a_key_in_use_and_an_unknown_prerequisite() -> None:
    with pytest.raises(MilestoneConflict, match="'first_project' already exists"):
        add_milestone(PLAYBOOK, milestone(key="first_project"))
    with pytest.raises(ValueError, match=r"requires unknown \['moonwalk'\]"):
        add_milestone(PLAYBOOK, milestone(requires=["moonwalk"]))
    with pytest.raises(MilestoneNotFound, match="no milestone 'nowhere'"):
        add_milestone(PLAYBOOK, milestone(), after="nowhere")


def test_replace_keeps_the_key_and_refuses_cycles_and_no_ops() -> None:
    current = PLAYBOOK.milestone("email_verified")
    assert current is not None
    changed = replace_milestone(
        PLAYBOOK, "email_verified", current.model_copy(update={"due_day": 2})
    )
    assert changed.milestone("email_verified").due_day == 2  # type: ignore[union-attr]
    with pytest.raises(MilestoneConflict, match="nothing changed"):
        replace_milestone(PLAYBOOK, "email_verified", current)
    with pytest.raises(MilestoneConflict, match="cannot be renamed"):
        replace_milestone(PLAYBOOK, "email_verified", milestone())
    looped = add_milestone(PLAYBOOK, milestone(requires=["email_verified"]))
    verified = looped.milestone("email_verified")
    assert verified is not None
    with pytest.raises(ValueError, match="cycle"):
        replace_milestone(
            looped, "email_verified", verified.model_copy(update={"requires": ["three_projects"]})
        )


def test_remove_refuses_what_others_depend_on() -> None:
    assert "first_report" not in [
        m.key for m in remove_milestone(PLAYBOOK, "first_report").milestones
    ]
    with pytest.raises(MilestoneConflict, match=r"part of badges \['fast_start', 'fully_onb"):
        remove_milestone(PLAYBOOK, "first_project")
    report_activates = PLAYBOOK.model_copy(update={"activation_milestone": "first_report"})
    with pytest.raises(MilestoneConflict, match="marks activation"):
        remove_milestone(report_activates, "first_report")
    dependant = add_milestone(PLAYBOOK, milestone(requires=["email_verified"]))
    with pytest.raises(MilestoneConflict, match=r"required by \['three_projects'\]"):
        remove_milestone(dependant, "email_verified")
    with pytest.raises(MilestoneNotFound):
        remove_milestone(PLAYBOOK, "moonwalk")
