"""Which triggers fire, and when: pure and deterministic, so the journey can run them inline.

A journey keeps one `TriggerRecord` per trigger (occurrences, sends, when it last fired, why it
stopped); these functions read the record, never the clock or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import cel
from pydantic import BaseModel

from models.campaign import Broadcast
from models.engagement import TriggerRecord
from models.journey import ProductEvent
from models.triggers import WEEKDAYS, StateChange, Trigger

MAX_SCHEDULE_LOOKAHEAD_DAYS = 8


class Occasion(BaseModel):
    """What just happened to the journey, as triggers see it."""

    kind: Literal["event", "schedule", "state", "campaign"]
    event: ProductEvent | None = None
    change: StateChange | None = None
    milestone: str | None = None
    to: str | None = None
    days: int | None = None
    trigger: str | None = None
    """For schedules: the trigger whose time came."""
    broadcast: Broadcast | None = None
    occurrence: int | None = None
    """For day-offset schedules: which slot (slots missed while the journey was down or not yet
    started are skipped over, not sent one after another)."""


def matches(trigger: Trigger, occasion: Occasion) -> bool:
    when = trigger.when
    if occasion.kind == "event":
        return occasion.event is not None and when.event == occasion.event.name
    if occasion.kind == "schedule":
        return when.schedule is not None and occasion.trigger == trigger.key
    state = when.state
    if state is None or state.change != occasion.change:
        return False
    if state.milestone is not None and state.milestone != occasion.milestone:
        return False
    if state.to is not None and state.to != occasion.to:
        return False
    return state.days is None or state.days == occasion.days


def blocked(trigger: Trigger, record: TriggerRecord, now: datetime) -> str | None:
    """Why the trigger may not send now (stopped, at its max, cooling down), or None."""
    if record.stopped:
        return record.stopped
    if trigger.max_sends is not None and record.sends >= trigger.max_sends:
        return f"sent {record.sends} times, the most this trigger sends"
    if record.last_sent_at is not None and trigger.cooldown_hours:
        ready = record.last_sent_at + timedelta(hours=trigger.cooldown_hours)
        if now < ready:
            return f"cooling down until {ready.isoformat()}"
    return None


@lru_cache(maxsize=512)
def _program(expression: str) -> Any:
    return cel.compile(expression)


def condition_holds(trigger: Trigger, variables: Mapping[str, Any]) -> bool:
    """The trigger's `if` over customer, state and event; a missing field means False."""
    return trigger.if_ is None or expression_holds(trigger.if_, variables)


def expression_holds(expression: str, variables: Mapping[str, Any]) -> bool:
    """A CEL condition (checked when it was stored); failing to evaluate means False."""
    try:
        return _program(expression).execute(dict(variables)) is True
    except (KeyError, RuntimeError, TypeError, ValueError):
        return False


def goal_reached_by(
    trigger: Trigger, *, milestone: str | None = None, event: str | None = None
) -> bool:
    goal = trigger.goal
    if goal is None:
        return False
    return (milestone is not None and goal.milestone == milestone) or (
        event is not None and goal.event == event
    )


def next_scheduled(
    trigger: Trigger, record: TriggerRecord, signup_at: datetime, timezone: str, after: datetime
) -> datetime | None:
    """When the trigger's schedule next comes due (strictly after `after` for local times)."""
    schedule = trigger.when.schedule
    if schedule is None or record.stopped:
        return None
    if schedule.days_after_signup is not None:
        if record.occurrences >= len(schedule.days_after_signup):
            return None
        return signup_at + timedelta(days=schedule.days_after_signup[record.occurrences])
    assert schedule.local_time is not None
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    for offset in range(MAX_SCHEDULE_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in schedule.weekdays:
            continue
        moment = datetime.combine(day, schedule.local_time, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    return None
