"""Trigger matching, cooldowns, caps on sends, CEL conditions, goals and schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.engagement import TriggerRecord
from models.triggers import Trigger
from tests.factories import product_event
from workflows.trigger_rules import (
    Occasion,
    blocked,
    condition_holds,
    goal_reached_by,
    matches,
    next_scheduled,
)

T0 = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # a Monday
EMAIL = [{"channel": "email", "template": "welcome"}]


def trigger(when: dict[str, Any], **fields: Any) -> Trigger:
    return Trigger.model_validate({"key": "t", "when": when, "then": EMAIL, **fields})


def test_when_matches_events_and_narrowed_state_changes() -> None:
    on_invite = trigger({"event": "user.invited"})
    assert matches(on_invite, Occasion(kind="event", event=product_event("user.invited", T0)))
    assert not matches(on_invite, Occasion(kind="event", event=product_event("x", T0)))
    to_risk = trigger({"state": {"change": "risk_changed", "to": "at_risk"}})
    assert matches(to_risk, Occasion(kind="state", change="risk_changed", to="at_risk"))
    assert not matches(to_risk, Occasion(kind="state", change="risk_changed", to="watch"))
    quiet = trigger({"state": {"change": "inactive", "days": 14}})
    assert not matches(quiet, Occasion(kind="state", change="inactive", days=7))
    assert matches(quiet, Occasion(kind="state", change="inactive", days=14))
    any_milestone = trigger({"state": {"change": "milestone_achieved"}})
    assert matches(
        any_milestone, Occasion(kind="state", change="milestone_achieved", milestone="a")
    )


def test_cooldown_max_sends_and_stop_block_with_the_reason() -> None:
    nudge = trigger({"event": "x"}, cooldown_hours=24, max_sends=2)
    assert blocked(nudge, TriggerRecord(), T0) is None
    recent = TriggerRecord(sends=1, last_sent_at=T0)
    assert blocked(nudge, recent, T0 + timedelta(hours=2)) == (
        "cooling down until 2026-11-24T15:30:00+00:00"
    )
    assert blocked(nudge, recent, T0 + timedelta(hours=24)) is None
    assert blocked(nudge, TriggerRecord(sends=2), T0) == "sent 2 times, the most this trigger sends"
    assert blocked(nudge, TriggerRecord(stopped="goal first_project reached"), T0) == (
        "goal first_project reached"
    )


def test_conditions_see_customer_state_and_event_and_fail_closed() -> None:
    team = trigger({"event": "x"}, **{"if": "customer.plan == 'team' && state.points < 50"})
    assert condition_holds(team, {"customer": {"plan": "team"}, "state": {"points": 10}})
    assert not condition_holds(team, {"customer": {"plan": "free"}, "state": {"points": 10}})
    assert not condition_holds(team, {"customer": {}, "state": {"points": 10}})  # missing field


def test_goals_by_milestone_or_event() -> None:
    welcome = trigger({"event": "x"}, goal={"milestone": "first_project"})
    assert goal_reached_by(welcome, milestone="first_project")
    assert not goal_reached_by(welcome, event="first_project")
    assert not goal_reached_by(trigger({"event": "x"}), milestone="first_project")


def test_day_offsets_run_through_the_list_once() -> None:
    welcome = trigger({"schedule": {"days_after_signup": [0, 1, 3]}})
    due = [next_scheduled(welcome, TriggerRecord(occurrences=n), T0, "UTC", T0) for n in range(4)]
    assert due == [T0, T0 + timedelta(days=1), T0 + timedelta(days=3), None]


def test_local_time_on_weekdays_in_the_customers_zone_across_dst() -> None:
    tips = trigger({"schedule": {"local_time": "10:00", "weekdays": ["tue", "fri"]}})
    record = TriggerRecord()
    # Monday 15:30 UTC → Tuesday 10:00 in New York (EST, UTC-5) = 15:00 UTC.
    first = next_scheduled(tips, record, T0, "America/New_York", T0)
    assert first == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert next_scheduled(tips, record, T0, "America/New_York", first) == datetime(
        2026, 11, 27, 15, tzinfo=UTC
    )
    # Tuesday 10 March 2026 is the first Tuesday on EDT (UTC-4): 10:00 local = 14:00 UTC.
    before_dst = datetime(2026, 3, 6, 16, tzinfo=UTC)  # Friday, after that day's 10:00
    assert next_scheduled(tips, record, T0, "America/New_York", before_dst) == datetime(
        2026, 3, 10, 14, tzinfo=UTC
    )
    assert next_scheduled(tips, TriggerRecord(stopped="goal"), T0, "UTC", T0) is None
