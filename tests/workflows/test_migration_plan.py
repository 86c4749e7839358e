"""Planning a journey's move between playbook versions: nothing reached is lost, unchanged
progress carries over, new and changed milestones are judged on the customer's past events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.playbooks import parse_playbook
from models.journey import Achievement, MilestoneProgress, ProductEvent
from models.playbook import Playbook
from tests.factories import product_event
from workflows.migration import changed_keys, plan_migration, replay_progress
from workflows.milestone_rules import advance

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)

VERIFIED = {"key": "verified", "title": "Verify", "event": "user.verified"}
PROJECTS = {
    "key": "projects",
    "title": "Three projects",
    "when": {"event": "project.created", "count": 3},
}
INVITES = {"key": "invites", "title": "Two invites", "when": {"event": "user.invited", "count": 2}}


def playbook(*milestones: dict[str, Any]) -> Playbook:
    return parse_playbook(
        {"name": "test", "activation_milestone": "verified", "milestones": list(milestones)}, "t"
    )


def events(*names: str) -> list[ProductEvent]:
    return [
        product_event(name, T0 + timedelta(hours=index), event_id=f"e{index}")
        for index, name in enumerate(names)
    ]


def live(
    rules: Playbook, log: list[ProductEvent]
) -> tuple[dict[str, Achievement], dict[str, MilestoneProgress]]:
    """Achievements and progress exactly as a journey on `rules` would hold them."""
    achievements: dict[str, Achievement] = {}
    progress: dict[str, MilestoneProgress] = {}
    for event in log:
        for achievement in advance(rules, achievements, progress, event):
            achievements[achievement.milestone_key] = achievement
    return achievements, progress


def test_changed_keys_ignore_titles_and_points() -> None:
    old = playbook(VERIFIED, PROJECTS, INVITES)
    retitled = dict(VERIFIED, title="Confirm your email", points=50)
    harder = {**PROJECTS, "when": {"event": "project.created", "count": 5}}
    new = playbook(retitled, harder, {"key": "report", "title": "Report", "event": "report.shared"})
    assert changed_keys(old, new) == (["report"], ["invites"], ["projects"])


def test_new_milestone_is_reached_from_past_events_at_the_time_it_happened() -> None:
    old = playbook(VERIFIED, INVITES)
    new = playbook(VERIFIED, INVITES, PROJECTS)
    log = events(
        "user.verified", "project.created", "project.created", "project.created", "user.invited"
    )
    achievements, progress = live(old, log)

    plan = plan_migration(old, new, achievements, progress, log)

    assert plan.added == ["projects"]
    assert [(a.milestone_key, a.achieved_at, a.event_id) for a in plan.newly_reached] == [
        ("projects", T0 + timedelta(hours=3), "e3")
    ]
    # The unchanged milestone's progress (1 of 2 invites) carries over untouched.
    assert plan.progress["invites"].leaves[""].count == 1


def test_partial_progress_toward_a_new_milestone_is_rebuilt() -> None:
    old = playbook(VERIFIED)
    new = playbook(VERIFIED, PROJECTS)
    log = events("user.verified", "project.created", "project.created")
    achievements, progress = live(old, log)

    plan = plan_migration(old, new, achievements, progress, log)

    assert plan.newly_reached == []
    assert plan.progress["projects"].leaves[""].count == 2


def test_reached_milestones_are_kept_even_when_changed_or_removed() -> None:
    old = playbook(VERIFIED, PROJECTS, INVITES)
    log = events("user.verified", *["project.created"] * 3, "user.invited", "user.invited")
    achievements, progress = live(old, log)
    assert set(achievements) == {"verified", "projects", "invites"}
    harder = {**PROJECTS, "when": {"event": "project.created", "count": 10}}
    new = playbook(VERIFIED, harder)

    plan = plan_migration(old, new, achievements, progress, log)

    assert (plan.changed, plan.removed) == (["projects"], ["invites"])
    assert plan.newly_reached == [] and plan.progress == {}


def test_a_changed_condition_is_judged_afresh_not_from_old_progress() -> None:
    """Old progress counted invites; the changed rule counts projects, so it starts from the log."""
    old = playbook(VERIFIED, {**PROJECTS, "when": {"event": "user.invited", "count": 3}})
    log = events("user.verified", "user.invited", "project.created", "user.invited")
    achievements, progress = live(old, log)
    assert progress["projects"].leaves[""].count == 2
    new = playbook(VERIFIED, {**PROJECTS, "when": {"event": "project.created", "count": 2}})

    plan = plan_migration(old, new, achievements, progress, log)

    assert plan.progress["projects"].leaves[""].count == 1
    assert plan.newly_reached == []


def test_new_milestone_behind_a_prerequisite_waits_for_it() -> None:
    """Like the live journey: the early share counts, but only completes with its prerequisite."""
    old = playbook(VERIFIED)
    shared = {
        "key": "shared",
        "title": "Share",
        "event": "project.shared",
        "requires": ["projects"],
    }
    new = playbook(VERIFIED, PROJECTS, shared)
    log = events("user.verified", "project.shared", *["project.created"] * 3, "project.shared")
    achievements, progress = live(old, log)

    plan = plan_migration(old, new, achievements, progress, log)

    reached = [(a.milestone_key, a.event_id) for a in plan.newly_reached]
    assert reached == [("projects", "e4"), ("shared", "e4")]


def test_replay_progress_matches_the_live_journey() -> None:
    rules = playbook(VERIFIED, PROJECTS, INVITES)
    log = events("user.verified", "project.created", "user.invited", "project.created")
    achievements, progress = live(rules, log)
    assert replay_progress(rules, achievements, log) == {
        key: value for key, value in progress.items() if key not in achievements
    }
