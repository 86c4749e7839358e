"""Pure journey rules: milestone matching, stage, overdue and the check-in schedule.

No Temporal, no I/O: the workflow calls these, and unit tests run them in microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from models.journey import (
    Achievement,
    JourneyStatus,
    MilestoneProgress,
    MilestoneState,
    MilestoneStatus,
    Stage,
)
from models.playbook import MilestoneDefinition, Playbook
from workflows.milestone_rules import fraction


def due_at(milestone: MilestoneDefinition, signup_at: datetime) -> datetime | None:
    return None if milestone.due_day is None else signup_at + timedelta(days=milestone.due_day)


def overdue_milestones(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    now: datetime,
) -> list[MilestoneDefinition]:
    """Milestones past their due time and not reached, in playbook order."""
    return [m for m in playbook.milestones if is_overdue(m, achievements, signup_at, now)]


def is_overdue(
    milestone: MilestoneDefinition,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    now: datetime,
) -> bool:
    deadline = due_at(milestone, signup_at)
    return milestone.key not in achievements and deadline is not None and now >= deadline


def compute_stage(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    last_event_at: datetime | None,
    now: datetime,
) -> Stage:
    """Graduated beats everything; a late and quiet customer is stalled; then activation."""
    required = [m.key for m in playbook.milestones if m.required]
    if all(key in achievements for key in required):
        return Stage.GRADUATED
    late = any(m.required for m in overdue_milestones(playbook, achievements, signup_at, now))
    quiet_since = max(last_event_at or signup_at, signup_at)
    if late and now - quiet_since >= timedelta(days=playbook.stall_after_days):
        return Stage.STALLED
    if playbook.activation_milestone in achievements:
        return Stage.ACTIVATED
    if achievements:
        return Stage.ONBOARDING
    return Stage.SIGNED_UP


def checkin_time(playbook: Playbook, signup_at: datetime, occurrence: int) -> tuple[datetime, str]:
    """When check-in number `occurrence` (0-based) is due and why: the schedule, then recurring."""
    days = playbook.checkin_days
    if occurrence < len(days):
        day = days[occurrence]
        return signup_at + timedelta(days=day), f"day {day} check-in"
    extra = occurrence - len(days) + 1
    day = days[-1] + extra * playbook.recurring_checkin_days
    return signup_at + timedelta(days=day), f"day {day} recurring check-in"


def milestone_fraction(
    milestone: MilestoneDefinition,
    achievements: Mapping[str, Achievement],
    progress: Mapping[str, MilestoneProgress],
) -> float:
    if milestone.key in achievements:
        return 1.0
    return fraction(milestone.condition, "", progress.get(milestone.key, MilestoneProgress()))


def progress_summary(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    progress: Mapping[str, MilestoneProgress],
) -> tuple[float, dict[str, float]]:
    """Percent of onboarding (required milestones) and of each category."""
    shares = {m.key: milestone_fraction(m, achievements, progress) for m in playbook.milestones}
    required = [shares[m.key] for m in playbook.milestones if m.required]
    by_category: dict[str, list[float]] = {}
    for milestone in playbook.milestones:
        by_category.setdefault(milestone.category, []).append(shares[milestone.key])
    onboarding = 100 * sum(required) / len(required) if required else 100.0
    return round(onboarding, 1), {
        category: round(100 * sum(values) / len(values), 1)
        for category, values in by_category.items()
    }


def milestone_statuses(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    now: datetime,
    progress: Mapping[str, MilestoneProgress] | None = None,
) -> list[MilestoneStatus]:
    statuses = []
    for milestone in playbook.milestones:
        achievement = achievements.get(milestone.key)
        if achievement is not None:
            state = MilestoneState.DONE
        elif is_overdue(milestone, achievements, signup_at, now):
            state = MilestoneState.OVERDUE
        else:
            state = MilestoneState.PENDING
        statuses.append(
            MilestoneStatus(
                key=milestone.key,
                title=milestone.title,
                category=milestone.category,
                progress=round(milestone_fraction(milestone, achievements, progress or {}), 3),
                requires=list(milestone.requires),
                state=state,
                required=milestone.required,
                points=milestone.points,
                due_at=due_at(milestone, signup_at),
                achieved_at=achievement.achieved_at if achievement else None,
            )
        )
    return statuses


def total_points(achievements: Mapping[str, Achievement]) -> int:
    return sum(a.points for a in achievements.values())


def journey_status(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    signup_at: datetime,
    now: datetime,
) -> tuple[JourneyStatus, str]:
    """On track, behind (a required milestone overdue) or stuck (no milestone for N days)."""
    required = [m for m in playbook.milestones if m.required]
    if all(m.key in achievements for m in required):
        return JourneyStatus.ON_TRACK, "every required milestone reached"
    last = max((a.achieved_at for a in achievements.values()), default=signup_at)
    quiet = now - max(last, signup_at)
    if quiet >= timedelta(days=playbook.stuck_after_days):
        return JourneyStatus.STUCK, f"no milestone reached for {quiet.days} days"
    late = [m for m in overdue_milestones(playbook, achievements, signup_at, now) if m.required]
    if late:
        deadline = due_at(late[0], signup_at)
        when = f" (due {deadline:%Y-%m-%d})" if deadline else ""
        return JourneyStatus.BEHIND, f"{late[0].title} is overdue{when}"
    return JourneyStatus.ON_TRACK, "required milestones on schedule"


def time_to_value(
    playbook: Playbook, achievements: Mapping[str, Achievement], signup_at: datetime
) -> float | None:
    """Hours from signup to the time-to-value milestone, once reached."""
    reached = achievements.get(playbook.time_to_value_milestone or playbook.activation_milestone)
    if reached is None:
        return None
    return round((reached.achieved_at - signup_at).total_seconds() / 3600, 2)
