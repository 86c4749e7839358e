"""The health engine on hand-computed cases; the batch path equals the per-customer path."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from activities.health_engine import (
    FeatureTable,
    level_codes,
    percentile_in,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_features import HealthFeatures, recency_weights_total
from activities.health_scoring import score_customer
from activities.health_trend import ScorePoint, early_warnings, score_trend
from models.health import HealthScoreResult, RiskLevel
from models.playbook import EarlyWarningConfig, HealthConfig

CONFIG = HealthConfig(key_features=["a", "b", "c", "d"])
AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
FULL = recency_weights_total(30, 14)


def features(**overrides: float) -> HealthFeatures:
    base = HealthFeatures(
        active_weight=FULL * 0.5,
        active_weight_max=FULL,
        active_days=10,
        usage_events=50,
        usage_baseline=100,
        days_since_last=1,
        key_used=2,
        key_total=4,
        distinct_features=3,
        replies=0,
        tickets=math.nan,
        tickets_baseline=math.nan,
        urgent_open=math.nan,
        sentiment=math.nan,
        invoices_paid=math.nan,
        invoices_failed=math.nan,
        downgrades=math.nan,
    )
    return replace(base, **overrides)


def score_one(
    f: HealthFeatures, previous: RiskLevel | None = None, config: HealthConfig = CONFIG
) -> HealthScoreResult:
    return score_customer(f, config, segment=None, previous_level=previous, history=[], as_of=AS_OF)


def test_components_on_a_hand_computed_case_with_missing_data_left_out() -> None:
    result = score_one(features())
    by_name = {c.name: c.score for c in result.components}
    # usage: 0.6 * 100 (half the weighted days = target) + 0.4 * 50 (50 of 100 events)
    # adoption: 2 of 4; engagement: (3/6 breadth = 50 + 5 events per active day = 100) / 2
    assert by_name == {
        "usage": 80.0,
        "feature_adoption": 50.0,
        "engagement": 75.0,
        "support": None,
        "payment": None,
    }
    assert result.score == pytest.approx((30 * 80 + 25 * 50 + 20 * 75) / 75, abs=0.05)
    assert result.confidence == 0.75
    assert result.risk_level is RiskLevel.WATCH
    assert result.drivers[0] == "feature adoption: uses 2 of 4 key features"


def test_support_and_payment_penalties() -> None:
    result = score_one(
        features(
            tickets=6,
            tickets_baseline=2,
            urgent_open=1,
            sentiment=-0.5,
            invoices_paid=2,
            invoices_failed=1,
            downgrades=1,
        )
    )
    by_name = {c.name: c.score for c in result.components}
    assert by_name["support"] == 100 - 15 * 4 - 25 * 1 - 20 * 0.5
    assert by_name["payment"] == pytest.approx(200 / 3 - 30, abs=0.05)
    assert result.confidence == 1.0
    support = next(c for c in result.components if c.name == "support")
    assert support.explanation == (
        "support tickets 3.0x the 30-day baseline, 1 urgent still open, sentiment -0.5"
    )


def test_quiet_customer_is_penalised_and_told_why() -> None:
    result = score_one(features(days_since_last=9.4))
    usage = next(c for c in result.components if c.name == "usage")
    assert usage.score == 80.0 - 5 * (9 - 7)
    assert usage.explanation.startswith("no activity for 9 days")


def test_segment_weights_replace_the_defaults() -> None:
    config = HealthConfig.model_validate(
        {
            "key_features": ["a", "b", "c", "d"],
            "segment_weights": {"enterprise": {"usage": 0, "feature_adoption": 1, "engagement": 0}},
        }
    )
    result = score_customer(
        features(), config, segment="enterprise", previous_level=None, history=[], as_of=AS_OF
    )
    assert result.score == 50.0


def test_no_data_anywhere_is_unknown_not_zero() -> None:
    config = HealthConfig.model_validate(
        {
            "weights": {
                "usage": 0,
                "feature_adoption": 0,
                "engagement": 0,
                "support": 1,
                "payment": 1,
            }
        }
    )
    result = score_one(features(), config=config)
    assert (result.score, result.risk_level, result.confidence) == (None, RiskLevel.UNKNOWN, 0.0)


@pytest.mark.parametrize(
    ("previous", "score", "expected"),
    [
        (None, 68.0, RiskLevel.WATCH),
        (RiskLevel.HEALTHY, 68.0, RiskLevel.HEALTHY),  # inside the 5-point margin: stays
        (RiskLevel.HEALTHY, 64.0, RiskLevel.WATCH),
        (RiskLevel.WATCH, 72.0, RiskLevel.WATCH),
        (RiskLevel.WATCH, 76.0, RiskLevel.HEALTHY),
        (RiskLevel.AT_RISK, 42.0, RiskLevel.AT_RISK),
        (RiskLevel.AT_RISK, 46.0, RiskLevel.WATCH),
        (RiskLevel.AT_RISK, 90.0, RiskLevel.HEALTHY),
        (RiskLevel.HEALTHY, 20.0, RiskLevel.AT_RISK),
        (RiskLevel.WATCH, math.nan, RiskLevel.UNKNOWN),
    ],
)
def test_risk_hysteresis(previous: RiskLevel | None, score: float, expected: RiskLevel) -> None:
    levels = risk_levels(np.array([score]), level_codes([previous]), CONFIG)
    assert levels == [expected]


def test_a_score_wobbling_on_a_boundary_does_not_flap() -> None:
    level: RiskLevel | None = None
    seen = []
    for score in [72, 69, 71, 68, 70.5, 67, 69.9]:
        level = risk_levels(np.array([float(score)]), level_codes([level]), CONFIG)[0]
        seen.append(level)
    assert seen == [RiskLevel.HEALTHY] * 7


def test_batch_scores_equal_per_customer_scores() -> None:
    rng = random.Random(7)
    rows = []
    for _ in range(300):
        has_support, has_payment = rng.random() < 0.6, rng.random() < 0.7
        rows.append(
            features(
                active_weight=rng.uniform(0, FULL),
                active_days=rng.randint(1, 30),
                usage_events=rng.randint(0, 400),
                days_since_last=rng.uniform(0, 30),
                key_used=rng.randint(0, 4),
                distinct_features=rng.randint(0, 10),
                replies=rng.randint(0, 3),
                tickets=rng.randint(0, 8) if has_support else math.nan,
                tickets_baseline=rng.uniform(0, 3) if has_support else math.nan,
                urgent_open=rng.randint(0, 2) if has_support else math.nan,
                sentiment=rng.uniform(-1, 1) if has_support else math.nan,
                invoices_paid=rng.randint(0, 3) if has_payment else math.nan,
                invoices_failed=rng.randint(0, 2) if has_payment else math.nan,
                downgrades=rng.randint(0, 1) if has_payment else math.nan,
            )
        )
    segments = [rng.choice([None, "smb"]) for _ in rows]
    config = CONFIG.model_copy(
        update={"segment_weights": {"smb": CONFIG.weights.model_copy(update={"usage": 60})}}
    )
    batch = score_table(FeatureTable.from_features(rows), config, weight_matrix(config, segments))
    batch_levels = risk_levels(batch.score, level_codes([None] * len(rows)), config)
    for index, (row, segment) in enumerate(zip(rows, segments, strict=True)):
        single = score_customer(
            row, config, segment=segment, previous_level=None, history=[], as_of=AS_OF
        )
        assert single.score == round(float(batch.score[index]), 1)
        assert single.risk_level is batch_levels[index]


def test_trend_deltas_and_slope() -> None:
    history = [
        ScorePoint(AS_OF - timedelta(days=30), 80.0),
        ScorePoint(AS_OF - timedelta(days=14), 74.0),
        ScorePoint(AS_OF - timedelta(days=7), 70.0),
    ]
    trend = score_trend(history, ScorePoint(AS_OF, 60.0))
    assert (trend.delta_7d, trend.delta_30d) == (-10.0, -20.0)
    assert trend.slope_per_week is not None and trend.slope_per_week < -4
    assert score_trend([], ScorePoint(AS_OF, 60.0)).delta_7d is None


def test_early_warnings() -> None:
    config = EarlyWarningConfig(drop_points=15, window_days=14, declining_checks=3)
    history = [
        ScorePoint(AS_OF - timedelta(days=10), 80.0),
        ScorePoint(AS_OF - timedelta(days=3), 70.0),
    ]
    assert early_warnings(history, ScorePoint(AS_OF, 60.0), config) == [
        "score fell 20 points in 14 days",
        "score declined 3 checks in a row",
    ]
    steady = [
        ScorePoint(AS_OF - timedelta(days=10), 61.0),
        ScorePoint(AS_OF - timedelta(days=3), 59.0),
    ]
    assert early_warnings(steady, ScorePoint(AS_OF, 60.0), config) == []


def test_percentile_within_a_reference_counts_ties_half() -> None:
    ranks = percentile_in(np.array([5.0, 20.0, 30.0, 40.0, math.nan]), [10.0, 20.0, 20.0, 30.0])
    assert ranks[:4].tolist() == [0.0, 50.0, 87.5, 100.0]
    assert math.isnan(ranks[4])


def test_cohort_percentiles_batch_equals_single_against_the_stored_reference() -> None:
    config = CONFIG.model_copy(update={"normalisation": "cohort_percentile"})
    rng = random.Random(3)
    rows = [
        features(
            active_weight=rng.uniform(0, FULL),
            usage_events=rng.randint(0, 300),
            key_used=rng.randint(0, 4),
            distinct_features=rng.randint(0, 9),
        )
        for _ in range(60)
    ]
    cohorts = [rng.choice(["segment=smb", "segment=enterprise"]) for _ in rows]
    weights = weight_matrix(config, [None] * len(rows))
    batch = score_table(FeatureTable.from_features(rows), config, weights, cohorts=cohorts)
    assert batch.references is not None and set(batch.references) == set(cohorts)
    usage = batch.components[:, 0]
    assert np.nanmin(usage) >= 0 and np.nanmax(usage) <= 100
    for index, (row, cohort) in enumerate(zip(rows, cohorts, strict=True)):
        single = score_customer(
            row,
            config,
            segment=None,
            previous_level=None,
            history=[],
            as_of=AS_OF,
            cohort=cohort,
            reference=batch.references[cohort],
        )
        assert single.score == round(float(batch.score[index]), 1)
        assert single.normalisation == f"cohort_percentile ({cohort})"
