"""The journey's engagement engine: occasions in, queued messages and decisions out.

Pure and deterministic (the journey runs it inline): it never reads the clock, the database or
the network. The workflow feeds it occasions (an event, a state change, a schedule coming due),
asks it for the messages due now, runs each past the guardrails and delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from models.engagement import (
    RECENT_DECISIONS_KEPT,
    SENT_LOG_DAYS,
    DecisionRecord,
    EngagementState,
    Exposure,
    PendingWait,
    QueuedMessage,
    SentMessage,
    TriggerRecord,
)
from models.journey import Achievement
from models.playbook import Playbook
from models.triggers import Action, Trigger
from workflows import journey
from workflows.experiments import HOLDOUT, assign
from workflows.trigger_rules import (
    Occasion,
    blocked,
    condition_holds,
    expression_holds,
    goal_reached_by,
    matches,
    next_scheduled,
)


def _record(state: EngagementState, trigger: str) -> TriggerRecord:
    return state.triggers.setdefault(trigger, TriggerRecord())


def decide(state: EngagementState, decision: DecisionRecord) -> None:
    state.decisions.append(decision)
    del state.decisions[:-RECENT_DECISIONS_KEPT]


def _by_priority(playbook: Playbook) -> list[Trigger]:
    return sorted(playbook.engagement.triggers, key=lambda t: t.priority)


def fire(
    playbook: Playbook,
    state: EngagementState,
    occasion: Occasion,
    variables: Mapping[str, Any],
    customer_id: str,
    now: datetime,
) -> list[Trigger]:
    """Queue the messages of every trigger this occasion sets off; returns those that fired."""
    fired: list[Trigger] = []
    for trigger in _by_priority(playbook):
        if not matches(trigger, occasion):
            continue
        record = _record(state, trigger.key)
        if occasion.kind == "schedule":
            record.occurrences = occasion.occurrence or record.occurrences + 1
            record.last_scheduled_at = now
        reason = blocked(trigger, record, now)
        if reason is None and not condition_holds(trigger, variables):
            reason = "condition is false"
        if reason is not None:
            decide(
                state, DecisionRecord(at=now, trigger=trigger.key, verdict="skipped", reason=reason)
            )
            continue
        if occasion.kind != "schedule":
            record.occurrences += 1
        variant = _variant(trigger, state, customer_id, now)
        if variant == HOLDOUT:
            decide(state, DecisionRecord(at=now, trigger=trigger.key, verdict="holdout"))
            continue
        fired.append(trigger)
        _queue(
            state,
            trigger.actions(variant),
            f"{trigger.key}/{record.occurrences}",
            now,
            **_sent_as(trigger),
            variant=variant,
            milestone=occasion.milestone,
        )
        if trigger.wait is not None:
            state.waits.append(
                PendingWait(
                    trigger=trigger.key,
                    occurrence=record.occurrences,
                    any_of=list(trigger.wait.any_of),
                    deadline=now + timedelta(hours=trigger.wait.timeout_hours),
                )
            )
    return fired


def _queue(
    state: EngagementState,
    actions: list[Action],
    prefix: str,
    now: datetime,
    *,
    trigger: str,
    priority: int,
    when_capped: Literal["defer", "drop"],
    reason: str = "",
    variant: str | None = None,
    milestone: str | None = None,
    category: str | None = None,
) -> None:
    """Queue each action under key `prefix/index`, and record that it was queued."""
    for index, action in enumerate(actions):
        key = f"{prefix}/{index}"
        state.queue.append(
            QueuedMessage(
                key=key,
                trigger=trigger,
                action=action,
                priority=priority,
                when_capped=when_capped,
                due_at=now,
                variant=variant,
                milestone=milestone,
                category=category,
            )
        )
        decide(
            state,
            DecisionRecord(
                at=now,
                trigger=trigger,
                verdict="queued",
                key=key,
                channel=action.channel,
                reason=reason,
            ),
        )


def _sent_as(trigger: Trigger) -> dict[str, Any]:
    return {
        "trigger": trigger.key,
        "priority": trigger.priority,
        "when_capped": trigger.when_capped,
    }


def resolve_waits(
    playbook: Playbook, state: EngagementState, now: datetime, event: str | None = None
) -> None:
    """End the waits this event is one of (its `on_event` branch), or whose time ran out
    (`on_timeout`); a wait whose trigger is gone from the playbook just ends."""
    triggers = {t.key: t for t in playbook.engagement.triggers}
    for wait in list(state.waits):
        arrived = event is not None and event in wait.any_of
        if not arrived and wait.deadline > now:
            continue
        state.waits.remove(wait)
        trigger = triggers.get(wait.trigger)
        if trigger is None or trigger.wait is None:
            continue
        prefix = f"{trigger.key}/{wait.occurrence}"
        if arrived:
            actions, branch, reason = trigger.wait.on_event, "event", f"{event} arrived"
        else:
            hours = f"{trigger.wait.timeout_hours:g}"
            actions, branch = trigger.wait.on_timeout, "timeout"
            reason = f"none of {', '.join(wait.any_of)} within {hours} h"
        _queue(state, actions, f"{prefix}/{branch}", now, **_sent_as(trigger), reason=reason)


def _variant(
    trigger: Trigger, state: EngagementState, customer_id: str, now: datetime
) -> str | None:
    """The customer's arm, fixed at first exposure."""
    experiment = trigger.experiment
    if experiment is None:
        return None
    exposure = state.exposures.get(experiment.key)
    if exposure is None:
        exposure = Exposure(
            experiment=experiment.key, variant=assign(experiment, customer_id), at=now
        )
        state.exposures[experiment.key] = exposure
    return exposure.variant


def reach_goal(
    playbook: Playbook,
    state: EngagementState,
    now: datetime,
    *,
    milestone: str | None = None,
    event: str | None = None,
) -> list[str]:
    """Stop the triggers this goal was for, cancel their queued messages, count conversions."""
    stopped: list[str] = []
    for trigger in playbook.engagement.triggers:
        if not goal_reached_by(trigger, milestone=milestone, event=event):
            continue
        goal = trigger.goal
        assert goal is not None
        if trigger.experiment is not None:
            exposure = state.exposures.get(trigger.experiment.key)
            window = timedelta(days=goal.within_days)
            if exposure and exposure.converted_at is None and now - exposure.at <= window:
                exposure.converted_at = now
        record = _record(state, trigger.key)
        if record.stopped:
            continue
        record.stopped = f"goal {goal.milestone or goal.event} reached"
        stopped.append(trigger.key)
        state.waits = [w for w in state.waits if w.trigger != trigger.key]
        for message in [m for m in state.queue if m.trigger == trigger.key]:
            state.queue.remove(message)
            decide(
                state,
                DecisionRecord(
                    at=now,
                    trigger=trigger.key,
                    verdict="cancelled",
                    key=message.key,
                    channel=message.action.channel,
                    reason=record.stopped,
                ),
            )
    return stopped


def cancel_obsolete(
    playbook: Playbook, state: EngagementState, milestone: str, now: datetime
) -> None:
    """A queued nudge about a milestone that has just been reached would be wrong: cancel it."""
    overdue_triggers = {
        t.key
        for t in playbook.engagement.triggers
        if t.when.state is not None and t.when.state.change == "milestone_overdue"
    }
    for message in list(state.queue):
        if message.trigger in overdue_triggers and message.milestone == milestone:
            state.queue.remove(message)
            decide(
                state,
                DecisionRecord(
                    at=now,
                    trigger=message.trigger,
                    verdict="cancelled",
                    key=message.key,
                    channel=message.action.channel,
                    reason=f"{milestone} was reached meanwhile",
                ),
            )


def scheduled_occasions(
    playbook: Playbook, state: EngagementState, signup_at: datetime, timezone: str, now: datetime
) -> list[Occasion]:
    """The schedules that have come due (each slot once, a missed slot is not repeated)."""
    occasions = []
    for trigger in playbook.engagement.triggers:
        due = _next_slot(trigger, state, signup_at, timezone)
        if due is not None and due <= now:
            occasions.append(
                Occasion(
                    kind="schedule",
                    trigger=trigger.key,
                    occurrence=_slots_passed(trigger, signup_at, now),
                )
            )
    return occasions


def _slots_passed(trigger: Trigger, signup_at: datetime, now: datetime) -> int | None:
    schedule = trigger.when.schedule
    if schedule is None or schedule.days_after_signup is None:
        return None
    return sum(1 for day in schedule.days_after_signup if signup_at + timedelta(days=day) <= now)


def _next_slot(
    trigger: Trigger, state: EngagementState, signup_at: datetime, timezone: str
) -> datetime | None:
    record = state.triggers.get(trigger.key, TriggerRecord())
    after = record.last_scheduled_at or signup_at - timedelta(microseconds=1)
    return next_scheduled(trigger, record, signup_at, timezone, after)


def overdue_occasions(
    playbook: Playbook,
    state: EngagementState,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    now: datetime,
) -> list[Occasion]:
    """Each milestone that has just become overdue, once."""
    occasions = []
    for milestone in journey.overdue_milestones(playbook, achievements, signup_at, now):
        if milestone.key not in state.overdue_announced:
            state.overdue_announced.append(milestone.key)
            occasions.append(
                Occasion(kind="state", change="milestone_overdue", milestone=milestone.key)
            )
    return occasions


def inactivity_occasions(
    playbook: Playbook,
    state: EngagementState,
    last_event_at: datetime | None,
    signup_at: datetime,
    now: datetime,
) -> list[Occasion]:
    """`inactive` for N days, once per quiet spell; new activity starts a new spell."""
    anchor = last_event_at or signup_at
    if state.inactive_since != anchor:
        state.inactive_since = anchor
        state.inactive_announced = []
    occasions = []
    for days in _inactivity_days(playbook):
        if days not in state.inactive_announced and now - anchor >= timedelta(days=days):
            state.inactive_announced.append(days)
            occasions.append(Occasion(kind="state", change="inactive", days=days))
    return occasions


def _inactivity_days(playbook: Playbook) -> list[int]:
    days = {
        t.when.state.days
        for t in playbook.engagement.triggers
        if t.when.state is not None and t.when.state.days is not None
    }
    return sorted(days)


def due_messages(state: EngagementState, now: datetime) -> list[QueuedMessage]:
    """Messages whose time has come, most important first."""
    due = [m for m in state.queue if m.due_at <= now]
    return sorted(due, key=lambda m: (m.priority, m.due_at, m.key))


def mark_sent(state: EngagementState, message: QueuedMessage, now: datetime) -> None:
    record = _record(state, message.trigger)
    record.sends += 1
    record.last_sent_at = now
    state.sent.append(SentMessage(channel=message.action.channel, at=now, trigger=message.trigger))
    horizon = now - timedelta(days=SENT_LOG_DAYS)
    state.sent = [s for s in state.sent if s.at >= horizon]


def next_wakeup(
    playbook: Playbook,
    state: EngagementState,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    last_event_at: datetime | None,
    timezone: str,
) -> tuple[datetime, str] | None:
    """The earliest moment the engine has something to do, and what."""
    candidates: list[tuple[datetime, str]] = [
        (m.due_at, f"send {m.trigger} ({m.action.channel})") for m in state.queue
    ]
    candidates += [
        (w.deadline, f"{w.trigger} stops waiting for {' or '.join(w.any_of)}") for w in state.waits
    ]
    for trigger in playbook.engagement.triggers:
        slot = _next_slot(trigger, state, signup_at, timezone)
        if slot is not None:
            candidates.append((slot, f"scheduled trigger {trigger.key}"))
    listens_for_overdue = any(
        t.when.state is not None and t.when.state.change == "milestone_overdue"
        for t in playbook.engagement.triggers
    )
    for milestone in playbook.milestones if listens_for_overdue else []:
        due = journey.due_at(milestone, signup_at)
        if due is not None and milestone.key not in achievements:
            if milestone.key not in state.overdue_announced:
                candidates.append((due, f"{milestone.key} becomes overdue"))
    anchor = last_event_at or signup_at
    for days in _inactivity_days(playbook):
        announced = state.inactive_since == anchor and days in state.inactive_announced
        if not announced:
            candidates.append((anchor + timedelta(days=days), f"inactive for {days} days"))
    return min(candidates, default=None)


CAMPAIGN_RUNS_KEPT = 50


def fire_campaign(
    state: EngagementState, occasion: Occasion, variables: Mapping[str, Any], now: datetime
) -> None:
    """Queue a campaign's messages if the customer is in its segment (each run once)."""
    broadcast = occasion.broadcast
    assert broadcast is not None
    if broadcast.run_id in state.campaign_runs:
        return
    state.campaign_runs.append(broadcast.run_id)
    del state.campaign_runs[:-CAMPAIGN_RUNS_KEPT]
    definition = broadcast.definition
    name = f"campaign:{definition.key}"
    segment = definition.segment
    if segment is not None and not expression_holds(segment, variables):
        decide(
            state,
            DecisionRecord(at=now, trigger=name, verdict="skipped", reason="not in the segment"),
        )
        return
    _queue(
        state,
        definition.then,
        f"{name}/{broadcast.run_id}",
        now,
        trigger=name,
        priority=definition.priority,
        when_capped=definition.when_capped,
        category=definition.category,
    )
