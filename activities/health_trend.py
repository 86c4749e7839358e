"""Trend and early warnings from a customer's score history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from models.health import HealthTrend
from models.playbook import EarlyWarningConfig

SLOPE_WINDOW_DAYS = 30
SLOPE_MIN_POINTS = 3


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    score: float


def _score_at_or_before(history: Sequence[ScorePoint], moment: datetime) -> float | None:
    earlier = [point for point in history if point.at <= moment]
    return max(earlier, key=lambda point: point.at).score if earlier else None


def score_trend(history: Sequence[ScorePoint], current: ScorePoint) -> HealthTrend:
    """Change over 7 and 30 days and the least-squares slope of the last 30 days, per week."""
    week_ago = _score_at_or_before(history, current.at - timedelta(days=7))
    month_ago = _score_at_or_before(history, current.at - timedelta(days=30))
    recent = [
        point
        for point in history
        if current.at - timedelta(days=SLOPE_WINDOW_DAYS) <= point.at < current.at
    ] + [current]
    slope = None
    if len(recent) >= SLOPE_MIN_POINTS:
        days = np.array([(p.at - current.at).total_seconds() / 86400 for p in recent])
        if np.ptp(days) > 0:
            slope = round(float(np.polyfit(days, [p.score for p in recent], 1)[0]) * 7, 2)
    return HealthTrend(
        delta_7d=None if week_ago is None else round(current.score - week_ago, 1),
        delta_30d=None if month_ago is None else round(current.score - month_ago, 1),
        slope_per_week=slope,
    )


def early_warnings(
    history: Sequence[ScorePoint], current: ScorePoint, config: EarlyWarningConfig
) -> list[str]:
    """A sharp drop within the window, or a run of declining checks, in words."""
    warnings = []
    window_start = current.at - timedelta(days=config.window_days)
    in_window = [p.score for p in history if window_start <= p.at < current.at]
    if in_window and max(in_window) - current.score > config.drop_points:
        drop = max(in_window) - current.score
        warnings.append(f"score fell {drop:.0f} points in {config.window_days} days")
    ordered = sorted(history, key=lambda p: p.at)[-(config.declining_checks - 1) :] + [current]
    if (
        len(ordered) == config.declining_checks
        and all(
            later.score < earlier.score
            for earlier, later in zip(ordered, ordered[1:], strict=False)
        )
        and ordered[0].score - current.score >= config.min_decline_points
    ):
        warnings.append(f"score declined {config.declining_checks} checks in a row")
    return warnings
