"""Points, levels, badges and streaks: pure rules the journey workflow applies to its state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from models.journey import Achievement, ProductEvent, StreakState
from models.playbook import Badge, Level, Rewards


def local_period(event: ProductEvent, unit: str) -> str:
    """The customer's own calendar day ("2026-03-29") or ISO week ("2026-W13") of an event."""
    day = event.local_day or event.occurred_at.astimezone(UTC).date()
    if unit == "day":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _next_period(period: str, unit: str) -> str:
    if unit == "day":
        return (date.fromisoformat(period) + timedelta(days=1)).isoformat()
    monday = date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
    year, week, _ = (monday + timedelta(weeks=1)).isocalendar()
    return f"{year}-W{week:02d}"


def extend_streak(streak: StreakState, period: str, rules: Rewards) -> list[int]:
    """Count an active period; returns the bonus lengths reached. Dates, not hours, so daylight
    saving changes cannot break or double a streak."""
    unit = rules.streaks.unit
    if streak.last_period is not None and period <= streak.last_period:
        return []  # the same period again, or a late event from an earlier one
    if streak.last_period is not None and period == _next_period(streak.last_period, unit):
        streak.current += 1
    else:
        streak.current, streak.bonuses_this_streak = 1, []
    streak.last_period = period
    streak.longest = max(streak.longest, streak.current)
    reached = [
        bonus.length
        for bonus in rules.streaks.bonuses
        if streak.current >= bonus.length and bonus.length not in streak.bonuses_this_streak
    ]
    streak.bonuses_this_streak.extend(reached)
    return reached


def bonus_points(rules: Rewards, lengths: list[int]) -> int:
    return sum(b.points for b in rules.streaks.bonuses if b.length in lengths)


def earned_badges(
    rules: Rewards,
    achievements: Mapping[str, Achievement],
    already: Mapping[str, datetime],
    signup_at: datetime,
) -> list[Badge]:
    earned = []
    for badge in rules.badges:
        if badge.key in already or not all(key in achievements for key in badge.milestones):
            continue
        last = max(achievements[key].achieved_at for key in badge.milestones)
        if badge.within_days is None or last - signup_at <= timedelta(days=badge.within_days):
            earned.append(badge)
    return earned


def level_for(rules: Rewards, points: int) -> tuple[Level, Level | None]:
    """The level these points give, and the next one (None at the top)."""
    current = rules.levels[0]
    for level in rules.levels:
        if points >= level.points:
            current = level
    later = [level for level in rules.levels if level.points > points]
    return current, (later[0] if later else None)
