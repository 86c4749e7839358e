"""The churn model: fitted on known outcomes, validated, calibrated, honest about thin data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from activities.churn_model import (
    InsufficientOutcomes,
    fit_churn_model,
    predict_churn,
    training_rows,
)
from activities.health_backtest import CustomerHistory
from bench.synthetic import KEY_FEATURES, generate
from models.playbook import HealthConfig

CONFIG = HealthConfig(key_features=KEY_FEATURES)
NOW = datetime(2026, 8, 1, tzinfo=UTC)


def histories(customers: int, seed: int) -> list[CustomerHistory]:
    return [
        CustomerHistory(c.customer_id, c.plan, c.segment, c.events, c.churned, c.outcome_at)
        for c in generate(customers, seed=seed)
    ]


def test_fits_validates_and_predicts_calibrated_probabilities() -> None:
    fit = fit_churn_model(histories(200, seed=21), CONFIG, NOW)
    assert fit.cv_auc >= 0.85
    assert fit.brier <= 0.15
    assert fit.churned >= 20 and fit.renewed >= 20
    # On customers the model never saw, the mean prediction matches the churn rate ...
    unseen = histories(200, seed=22)
    x, y = training_rows(unseen, CONFIG, fit.horizon_days)
    predicted = np.array(
        [predict_churn(fit, [None if np.isnan(v) else float(v) for v in row]) for row in x]
    )
    assert abs(predicted.mean() - y.mean()) <= 0.06
    # ... and churners get clearly higher probabilities than renewals.
    assert predicted[y].mean() - predicted[~y].mean() >= 0.3


def test_low_scores_mean_higher_churn_probability() -> None:
    fit = fit_churn_model(histories(200, seed=21), CONFIG, NOW)
    healthy = predict_churn(fit, [90, 80, 85, 100, 100])
    struggling = predict_churn(fit, [10, 20, 15, 40, 50])
    assert struggling > 0.5 > healthy
    assert 0 < predict_churn(fit, [None] * 5) < 1  # missing components fall back to medians


def test_too_few_outcomes_refuses_to_guess() -> None:
    few = histories(200, seed=21)
    thin = [h for h in few if h.churned][:5] + [h for h in few if not h.churned][:50]
    with pytest.raises(InsufficientOutcomes, match="5 churned and 50 renewed"):
        fit_churn_model(thin, CONFIG, NOW - timedelta(days=1))
