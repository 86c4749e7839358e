"""The pure journey rules, without Temporal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.journey import Achievement, JourneyStatus, MilestoneState, ProductEvent, Stage
from tests.factories import default_playbook, product_event
from workflows import journey, milestone_rules

SIGNUP = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLAYBOOK = default_playbook()


def achieved(*keys: str, at: datetime = SIGNUP) -> dict[str, Achievement]:
    return {
        key: Achievement(milestone_key=key, achieved_at=at, points=PLAYBOOK.milestone(key).points)  # type: ignore[union-attr]
        for key in keys
    }


def reach(event: ProductEvent, done: dict[str, Achievement] | None = None) -> list[Achievement]:
    return milestone_rules.advance(PLAYBOOK, done or {}, {}, event)


def test_shorthand_milestone_matches_on_name_and_every_property() -> None:
    at = SIGNUP
    assert [
        a.milestone_key
        for a in reach(product_event("workspace.profile_updated", at, complete=True))
    ] == ["profile_completed"]
    assert reach(product_event("workspace.profile_updated", at, complete=False)) == []
    assert reach(product_event("workspace.profile_updated", at)) == []


def test_reached_milestone_records_event_time_and_points_once() -> None:
    at = SIGNUP + timedelta(hours=5)
    first = reach(product_event("project.created", at, "e1"))
    assert [(a.milestone_key, a.achieved_at, a.event_id, a.points) for a in first] == [
        ("first_project", at, "e1", 30)
    ]
    assert reach(product_event("project.created", at, "e2"), {"first_project": first[0]}) == []


def test_unrelated_event_reaches_nothing() -> None:
    assert reach(product_event("page.viewed", SIGNUP)) == []


def test_overdue_once_due_time_has_passed_and_not_reached() -> None:
    day3 = SIGNUP + timedelta(days=3)
    overdue = journey.overdue_milestones(PLAYBOOK, achieved("email_verified"), SIGNUP, day3)
    assert [m.key for m in overdue] == ["profile_completed", "first_project"]
    just_before = day3 - timedelta(seconds=1)
    assert (
        journey.overdue_milestones(PLAYBOOK, achieved("email_verified"), SIGNUP, just_before) == []
    )


def test_stage_progression() -> None:
    now = SIGNUP + timedelta(hours=1)
    assert journey.compute_stage(PLAYBOOK, {}, SIGNUP, None, now) is Stage.SIGNED_UP
    assert (
        journey.compute_stage(PLAYBOOK, achieved("email_verified"), SIGNUP, now, now)
        is Stage.ONBOARDING
    )
    assert (
        journey.compute_stage(
            PLAYBOOK, achieved("email_verified", "first_project"), SIGNUP, now, now
        )
        is Stage.ACTIVATED
    )
    required = [m.key for m in PLAYBOOK.milestones if m.required]
    assert journey.compute_stage(PLAYBOOK, achieved(*required), SIGNUP, now, now) is Stage.GRADUATED


def test_graduation_ignores_optional_milestones() -> None:
    required = [m.key for m in PLAYBOOK.milestones if m.required]
    assert "first_report" not in required
    late = SIGNUP + timedelta(days=40)
    assert (
        journey.compute_stage(PLAYBOOK, achieved(*required), SIGNUP, SIGNUP, late)
        is Stage.GRADUATED
    )


def test_late_and_quiet_customer_stalls_but_late_and_active_does_not() -> None:
    day10 = SIGNUP + timedelta(days=10)
    done = achieved("email_verified", "first_project")
    assert (
        journey.compute_stage(PLAYBOOK, done, SIGNUP, SIGNUP + timedelta(days=1), day10)
        is Stage.STALLED
    )
    assert (
        journey.compute_stage(PLAYBOOK, done, SIGNUP, SIGNUP + timedelta(days=9), day10)
        is Stage.ACTIVATED
    )


def test_checkin_schedule_then_recurring() -> None:
    times = [journey.checkin_time(PLAYBOOK, SIGNUP, n) for n in range(7)]
    assert [(at - SIGNUP).days for at, _ in times] == [1, 3, 7, 14, 30, 60, 90]
    assert times[0][1] == "day 1 check-in"
    assert times[5][1] == "day 60 recurring check-in"


def test_milestone_statuses_and_points() -> None:
    done = achieved("email_verified", "first_project")
    statuses = {
        s.key: s
        for s in journey.milestone_statuses(PLAYBOOK, done, SIGNUP, SIGNUP + timedelta(days=4))
    }
    assert statuses["email_verified"].state is MilestoneState.DONE
    assert statuses["profile_completed"].state is MilestoneState.OVERDUE
    assert statuses["teammate_invited"].state is MilestoneState.PENDING
    assert statuses["teammate_invited"].due_at == SIGNUP + timedelta(days=7)
    assert journey.total_points(done) == 40


def test_journey_status_on_track_behind_stuck() -> None:
    day2 = SIGNUP + timedelta(days=2)
    status, reason = journey.journey_status(
        PLAYBOOK, achieved("email_verified", at=day2), SIGNUP, day2
    )
    assert (status, reason) == (JourneyStatus.ON_TRACK, "required milestones on schedule")
    day4 = SIGNUP + timedelta(days=4)
    status, reason = journey.journey_status(
        PLAYBOOK, achieved("email_verified", at=day2), SIGNUP, day4
    )
    assert status is JourneyStatus.BEHIND
    assert reason.startswith("Complete your workspace profile is overdue (due ")
    day10 = SIGNUP + timedelta(days=10)
    status, reason = journey.journey_status(
        PLAYBOOK, achieved("email_verified", at=day2), SIGNUP, day10
    )
    assert (status, reason) == (JourneyStatus.STUCK, "no milestone reached for 8 days")
    required = [m.key for m in PLAYBOOK.milestones if m.required]
    status, _ = journey.journey_status(PLAYBOOK, achieved(*required), SIGNUP, day10)
    assert status is JourneyStatus.ON_TRACK


def test_time_to_value_is_signup_to_the_activation_milestone() -> None:
    assert journey.time_to_value(PLAYBOOK, {}, SIGNUP) is None
    done = achieved("first_project", at=SIGNUP + timedelta(hours=30))
    assert journey.time_to_value(PLAYBOOK, done, SIGNUP) == 30.0
