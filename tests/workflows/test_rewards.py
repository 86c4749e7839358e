"""Levels, badges and streaks, including streaks across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from models.journey import Achievement, StreakState
from models.playbook import Rewards
from models.timeutil import local_day
from tests.factories import product_event
from workflows import rewards

RULES = Rewards.model_validate(
    {
        "levels": [{"name": "Starter", "points": 0}, {"name": "Explorer", "points": 50}],
        "badges": [
            {
                "key": "fast_start",
                "title": "Fast start",
                "milestones": ["a", "b"],
                "within_days": 3,
            },
            {"key": "all_done", "title": "All done", "milestones": ["a", "b", "c"], "points": 15},
        ],
        "streaks": {
            "unit": "day",
            "bonuses": [{"length": 3, "points": 10}, {"length": 5, "points": 20}],
        },
    }
)
SIGNUP = datetime(2026, 3, 26, 8, tzinfo=UTC)


def days(*dates: str, rules: Rewards = RULES) -> tuple[StreakState, list[int]]:
    streak, bonuses = StreakState(), []
    for day in dates:
        bonuses += rewards.extend_streak(streak, day, rules)
    return streak, bonuses


def test_consecutive_days_build_a_streak_and_earn_each_bonus_once() -> None:
    streak, bonuses = days(
        "2026-03-01", "2026-03-02", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"
    )
    assert (streak.current, streak.longest) == (5, 5)
    assert bonuses == [3, 5]


def test_a_gap_restarts_the_streak_and_its_bonuses() -> None:
    streak, bonuses = days(
        "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06", "2026-03-07"
    )
    assert (streak.current, streak.longest) == (3, 3)
    assert bonuses == [3, 3]  # earned again in the new streak


def test_a_late_event_from_an_earlier_day_changes_nothing() -> None:
    streak, _ = days("2026-03-01", "2026-03-02", "2026-03-01")
    assert (streak.current, streak.last_period) == (2, "2026-03-02")


def test_local_days_across_daylight_saving_stay_consecutive() -> None:
    # Berlin moves clocks forward on 2026-03-29: 23:30 local is 22:30 UTC before, 21:30 UTC after.
    berlin = [
        datetime(2026, 3, 27, 22, 30, tzinfo=UTC),
        datetime(2026, 3, 28, 22, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 21, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 21, 30, tzinfo=UTC),
    ]
    local = [local_day(moment, "Europe/Berlin").isoformat() for moment in berlin]
    assert local == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"]
    assert days(*local)[0].current == 4
    # Local, not UTC: 02:00 UTC on the 30th is still the 29th in Los Angeles.
    assert local_day(datetime(2026, 3, 30, 2, tzinfo=UTC), "America/Los_Angeles") == date(
        2026, 3, 29
    )


def test_weekly_streaks_cross_the_year_end() -> None:
    weekly = Rewards.model_validate(
        {"streaks": {"unit": "week", "bonuses": [{"length": 2, "points": 5}]}}
    )
    periods = [
        rewards.local_period(product_event("x", datetime(2026, 12, 28, 9, tzinfo=UTC)), "week"),
        rewards.local_period(product_event("x", datetime(2027, 1, 4, 9, tzinfo=UTC)), "week"),
    ]
    assert periods == ["2026-W53", "2027-W01"]
    streak, bonuses = days(*periods, rules=weekly)
    assert (streak.current, bonuses) == (2, [2])


def test_local_period_prefers_the_day_the_api_stamped() -> None:
    event = product_event("x", datetime(2026, 3, 30, 2, tzinfo=UTC)).model_copy(
        update={"local_day": date(2026, 3, 29)}
    )
    assert rewards.local_period(event, "day") == "2026-03-29"


def achieved(**offsets: float) -> dict[str, Achievement]:
    return {
        key: Achievement(milestone_key=key, achieved_at=SIGNUP + timedelta(days=offset), points=10)
        for key, offset in offsets.items()
    }


def test_badges_for_combinations_within_a_time_limit() -> None:
    earned = rewards.earned_badges(RULES, achieved(a=1, b=2), {}, SIGNUP)
    assert [b.key for b in earned] == ["fast_start"]
    late = rewards.earned_badges(RULES, achieved(a=1, b=4), {}, SIGNUP)
    assert late == []
    everything = rewards.earned_badges(
        RULES, achieved(a=1, b=2, c=9), {"fast_start": SIGNUP}, SIGNUP
    )
    assert [(b.key, b.points) for b in everything] == [("all_done", 15)]


def test_level_thresholds() -> None:
    assert [level.name for level in rewards.level_for(RULES, 49) if level] == [
        "Starter",
        "Explorer",
    ]
    current, following = rewards.level_for(RULES, 50)
    assert (current.name, following) == ("Explorer", None)
