"""The engagement engine: occasions queue messages, goals stop sequences, experiments hold out,
schedules and overdue or quiet spells come due once, and the next wake-up says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.playbooks import parse_playbook
from models.campaign import Broadcast, CampaignDefinition
from models.engagement import EngagementState
from models.journey import Achievement
from models.playbook import Playbook
from tests.factories import default_playbook, product_event
from workflows import engagement
from workflows.experiments import assign
from workflows.trigger_rules import Occasion

SIGNUP = datetime(2026, 11, 23, 9, tzinfo=UTC)
EMAIL = [{"channel": "email", "template": "welcome"}]


def playbook(*triggers: dict[str, Any]) -> Playbook:
    data = default_playbook().model_dump(mode="json", by_alias=True)
    data["engagement"] = {"triggers": list(triggers)}
    return parse_playbook(data, "test")


WELCOME = {
    "key": "welcome",
    "when": {"schedule": {"days_after_signup": [0, 1, 3]}},
    "then": EMAIL,
    "goal": {"milestone": "first_project"},
}


def run_schedule(rules: Playbook, state: EngagementState, now: datetime) -> list[str]:
    keys = []
    for occasion in engagement.scheduled_occasions(rules, state, SIGNUP, "UTC", now):
        engagement.fire(rules, state, occasion, {}, "c1", now)
    for message in engagement.due_messages(state, now):
        keys.append(message.key)
        state.queue.remove(message)
        engagement.mark_sent(state, message, now)
    return keys


def test_welcome_sequence_sends_on_its_days_and_stops_at_the_goal() -> None:
    rules, state = playbook(WELCOME), EngagementState()
    assert run_schedule(rules, state, SIGNUP) == ["welcome/1/0"]
    assert run_schedule(rules, state, SIGNUP + timedelta(hours=5)) == []
    wake = engagement.next_wakeup(rules, state, {}, SIGNUP, None, "UTC")
    assert wake == (SIGNUP + timedelta(days=1), "scheduled trigger welcome")
    assert run_schedule(rules, state, SIGNUP + timedelta(days=1)) == ["welcome/2/0"]
    stopped = engagement.reach_goal(
        rules, state, SIGNUP + timedelta(days=2), milestone="first_project"
    )
    assert stopped == ["welcome"]
    assert run_schedule(rules, state, SIGNUP + timedelta(days=3)) == []
    assert engagement.next_wakeup(rules, state, {}, SIGNUP, None, "UTC") is None
    assert state.triggers["welcome"].sends == 2


def test_goal_cancels_queued_messages_with_the_reason() -> None:
    rules, state = playbook(WELCOME), EngagementState()
    engagement.fire(rules, state, Occasion(kind="schedule", trigger="welcome"), {}, "c1", SIGNUP)
    assert [m.key for m in state.queue] == ["welcome/1/0"]
    engagement.reach_goal(rules, state, SIGNUP, milestone="first_project")
    assert state.queue == []
    assert (state.decisions[-1].verdict, state.decisions[-1].reason) == (
        "cancelled",
        "goal first_project reached",
    )


def test_conditions_cooldowns_and_priorities_are_decided_with_reasons() -> None:
    low = {"key": "low", "when": {"event": "x"}, "then": EMAIL, "priority": 9}
    high = {
        "key": "high",
        "when": {"event": "x"},
        "then": EMAIL,
        "priority": 1,
        "cooldown_hours": 24,
        "if": "customer.plan == 'team'",
    }
    rules, state = playbook(low, high), EngagementState()
    event = Occasion(kind="event", event=product_event("x", SIGNUP))
    fired = engagement.fire(rules, state, event, {"customer": {"plan": "team"}}, "c1", SIGNUP)
    assert [t.key for t in fired] == ["high", "low"]
    due = engagement.due_messages(state, SIGNUP)
    assert [m.trigger for m in due] == ["high", "low"]
    engagement.mark_sent(state, due[0], SIGNUP)
    later = SIGNUP + timedelta(hours=1)
    engagement.fire(rules, state, event, {"customer": {"plan": "team"}}, "c1", later)
    assert state.decisions[-2].reason.startswith("cooling down until")
    engagement.fire(
        rules, state, event, {"customer": {"plan": "free"}}, "c1", SIGNUP + timedelta(days=2)
    )
    assert any(d.reason == "condition is false" for d in state.decisions)


def test_overdue_and_inactive_come_due_once_per_spell() -> None:
    adoption = {
        "key": "adoption",
        "when": {"state": {"change": "milestone_overdue"}},
        "then": EMAIL,
    }
    quiet = {"key": "quiet", "when": {"state": {"change": "inactive", "days": 7}}, "then": EMAIL}
    rules, state = playbook(adoption, quiet), EngagementState()
    wake = engagement.next_wakeup(rules, state, {}, SIGNUP, None, "UTC")
    assert wake == (SIGNUP + timedelta(days=1), "email_verified becomes overdue")
    day1 = SIGNUP + timedelta(days=1)
    occasions = engagement.overdue_occasions(rules, state, {}, SIGNUP, day1)
    assert [o.milestone for o in occasions] == ["email_verified"]
    assert engagement.overdue_occasions(rules, state, {}, SIGNUP, day1) == []
    week = SIGNUP + timedelta(days=7)
    assert [o.days for o in engagement.inactivity_occasions(rules, state, None, SIGNUP, week)] == [
        7
    ]
    assert engagement.inactivity_occasions(rules, state, None, SIGNUP, week) == []
    active = week + timedelta(hours=1)
    assert engagement.inactivity_occasions(rules, state, active, SIGNUP, active) == []
    reached = {"email_verified": Achievement(milestone_key="email_verified", achieved_at=active)}
    later = engagement.overdue_occasions(rules, state, reached, SIGNUP, active)
    assert [o.milestone for o in later] == [
        "profile_completed",
        "first_project",
        "teammate_invited",
    ]
    wake = engagement.next_wakeup(rules, state, reached, SIGNUP, active, "UTC")
    assert wake == (SIGNUP + timedelta(days=14), "integration_connected becomes overdue")


def test_experiment_holdout_gets_nothing_and_conversions_count_within_the_window() -> None:
    tips = {
        "key": "tips",
        "when": {"event": "x"},
        "experiment": {
            "key": "tips_copy",
            "holdout": 0.5,
            "variants": [{"key": "a", "then": EMAIL}],
        },
        "goal": {"event": "report.shared", "within_days": 7},
    }
    rules = playbook(tips)
    experiment = rules.engagement.triggers[0].experiment
    assert experiment is not None
    ids = [f"c{n}" for n in range(40)]
    held = next(c for c in ids if assign(experiment, c) == "holdout")
    treated = next(c for c in ids if assign(experiment, c) == "a")
    event = Occasion(kind="event", event=product_event("x", SIGNUP))
    for customer, expect_queue in ((held, 0), (treated, 1)):
        state = EngagementState()
        engagement.fire(rules, state, event, {}, customer, SIGNUP)
        assert len(state.queue) == expect_queue
        assert state.exposures["tips_copy"].variant == assign(experiment, customer)
        engagement.reach_goal(rules, state, SIGNUP + timedelta(days=8), event="report.shared")
        assert state.exposures["tips_copy"].converted_at is None  # outside the 7-day window


def test_a_queued_nudge_is_cancelled_when_its_milestone_is_reached() -> None:
    nudge = {
        "key": "nudge",
        "when": {"state": {"change": "milestone_overdue"}},
        "then": [{"channel": "email", "template": "adoption_nudge"}],
    }
    rules, state = playbook(nudge), EngagementState()
    for key in ("email_verified", "profile_completed"):
        occasion = Occasion(kind="state", change="milestone_overdue", milestone=key)
        engagement.fire(rules, state, occasion, {}, "c1", SIGNUP)
    later = SIGNUP + timedelta(hours=3)
    engagement.cancel_obsolete(rules, state, "email_verified", later)
    assert [m.milestone for m in state.queue] == ["profile_completed"]
    cancelled = state.decisions[-1]
    assert (cancelled.verdict, cancelled.key, cancelled.reason) == (
        "cancelled",
        "nudge/1/0",
        "email_verified was reached meanwhile",
    )


def test_slots_missed_while_away_are_skipped_over_not_sent_in_a_row() -> None:
    rules, state = playbook(WELCOME), EngagementState()
    two_days_late = SIGNUP + timedelta(days=2)
    assert run_schedule(rules, state, two_days_late) == ["welcome/2/0"]
    assert run_schedule(rules, state, two_days_late + timedelta(minutes=1)) == []
    wake = engagement.next_wakeup(rules, state, {}, SIGNUP, None, "UTC")
    assert wake == (SIGNUP + timedelta(days=3), "scheduled trigger welcome")


WAIT_FOR_SETUP = {
    "key": "trial",
    "when": {"event": "trial.started"},
    "then": [{"channel": "inapp", "template": "welcome"}],
    "wait": {
        "any_of": ["project.created", "user.invited"],
        "timeout_hours": 48,
        "on_event": [{"channel": "email", "template": "well_done"}],
        "on_timeout": [{"channel": "task", "template": "call", "due_hours": 24}],
    },
}


def test_a_wait_ends_with_the_first_of_its_events_or_its_timeout() -> None:
    rules = playbook(WAIT_FOR_SETUP)
    started = Occasion(kind="event", event=product_event("trial.started", SIGNUP))
    quick, slow = EngagementState(), EngagementState()
    for state in (quick, slow):
        engagement.fire(rules, state, started, {}, "c1", SIGNUP)
        state.queue.clear()
    deadline = SIGNUP + timedelta(hours=48)
    assert engagement.next_wakeup(rules, quick, {}, SIGNUP, SIGNUP, "UTC") == (
        deadline,
        "trial stops waiting for project.created or user.invited",
    )

    engagement.resolve_waits(rules, quick, SIGNUP + timedelta(hours=3), "page.viewed")
    assert quick.queue == [] and len(quick.waits) == 1
    engagement.resolve_waits(rules, quick, SIGNUP + timedelta(hours=5), "user.invited")
    assert [(m.key, m.action.channel) for m in quick.queue] == [("trial/1/event/0", "email")]
    assert quick.decisions[-1].reason == "user.invited arrived" and quick.waits == []
    engagement.resolve_waits(rules, quick, deadline, None)
    assert len(quick.queue) == 1  # the ended wait does not time out as well

    engagement.resolve_waits(rules, slow, deadline - timedelta(seconds=1), None)
    assert slow.queue == []
    engagement.resolve_waits(rules, slow, deadline, None)
    assert [(m.key, m.action.channel) for m in slow.queue] == [("trial/1/timeout/0", "task")]
    assert slow.decisions[-1].reason == "none of project.created, user.invited within 48 h"


def test_a_goal_ends_the_triggers_waits() -> None:
    rules = playbook({**WAIT_FOR_SETUP, "goal": {"milestone": "first_project"}})
    state = EngagementState()
    started = Occasion(kind="event", event=product_event("trial.started", SIGNUP))
    engagement.fire(rules, state, started, {}, "c1", SIGNUP)
    engagement.reach_goal(rules, state, SIGNUP, milestone="first_project")
    assert state.waits == [] and state.queue == []


def test_a_campaign_run_reaches_a_journey_once_and_only_in_its_segment() -> None:
    definition = CampaignDefinition(
        key="launch",
        segment='customer.plan == "team"',
        then=[{"channel": "email", "template": "product_update"}],
    )
    broadcast = Occasion(kind="campaign", broadcast=Broadcast(run_id="r1", definition=definition))
    team, free = EngagementState(), EngagementState()
    for _ in range(2):  # a signal delivered twice
        engagement.fire_campaign(team, broadcast, {"customer": {"plan": "team"}}, SIGNUP)
        engagement.fire_campaign(free, broadcast, {"customer": {"plan": "free"}}, SIGNUP)
    assert [(m.key, m.category) for m in team.queue] == [("campaign:launch/r1/0", "announcements")]
    assert free.queue == []
    assert [(d.verdict, d.reason) for d in free.decisions] == [("skipped", "not in the segment")]
