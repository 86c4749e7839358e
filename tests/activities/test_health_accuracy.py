"""Accuracy, shown not claimed: on a synthetic portfolio whose churn is driven by behaviour, the
score must separate churners from renewals, and warn before most churners leave."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activities.health_backtest import CustomerHistory, backtest, first_alarm
from bench.synthetic import KEY_FEATURES, SyntheticCustomer, generate
from models.playbook import HealthConfig

CONFIG = HealthConfig(key_features=KEY_FEATURES)
WARNING_LEAD = timedelta(days=14)


def history(customer: SyntheticCustomer) -> CustomerHistory:
    return CustomerHistory(
        customer_id=customer.customer_id,
        plan=customer.plan,
        segment=customer.segment,
        events=customer.events,
        churned=customer.churned,
        outcome_at=customer.outcome_at,
    )


@pytest.fixture(scope="module")
def portfolio() -> list[CustomerHistory]:
    return [history(customer) for customer in generate(160, seed=11)]


def test_score_separates_churners_from_renewals(portfolio: list[CustomerHistory]) -> None:
    report = backtest(portfolio, CONFIG)
    auc = {h.days: h.roc_auc for h in report.horizons}
    assert report.churned >= 30 and report.renewed >= 30
    assert auc[30] is not None and auc[30] >= 0.85
    assert auc[60] is not None and auc[60] >= 0.70
    assert auc[90] is not None and auc[90] >= 0.65
    assert report.note is None
    trace = report.churned_customers[0]
    assert set(trace.scores) == {30, 60, 90} and trace.drivers


def test_early_warning_fires_before_most_churners_leave(portfolio: list[CustomerHistory]) -> None:
    churners = [h for h in portfolio if h.churned]
    renewals = [h for h in portfolio if not h.churned]
    warned = 0
    for customer in churners:
        alarm = first_alarm(customer, CONFIG)
        warned += alarm is not None and alarm <= customer.outcome_at - WARNING_LEAD
    false_alarms = sum(first_alarm(customer, CONFIG) is not None for customer in renewals)
    assert warned / len(churners) >= 0.8
    assert false_alarms / len(renewals) <= 0.3


def test_too_few_outcomes_say_so(portfolio: list[CustomerHistory]) -> None:
    few = [h for h in portfolio if h.churned][:2] + [h for h in portfolio if not h.churned][:10]
    report = backtest(few, CONFIG)
    assert report.note is not None and "too few outcomes" in report.note
    assert all(h.roc_auc is None for h in report.horizons)
