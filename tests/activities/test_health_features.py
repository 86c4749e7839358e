"""Feature extraction from raw events, as of any moment."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from activities.health_features import EventRow, extract_features, recency_weights_total
from models.playbook import HealthConfig

AS_OF = datetime(2026, 5, 31, 12, tzinfo=UTC)
CONFIG = HealthConfig(key_features=["project.created", "report.shared"])


def at(days_ago: float) -> datetime:
    return AS_OF - timedelta(days=days_ago)


def test_usage_counts_product_events_with_recency_weights_and_ignores_the_future() -> None:
    events: list[EventRow] = [
        ("project.created", at(0.5), {}),
        ("page.viewed", at(0.2), {}),
        ("page.viewed", at(14), {}),
        ("invoice.paid", at(1), {}),  # reserved: not usage
        ("page.viewed", at(-2), {}),  # after as_of: ignored
        ("page.viewed", at(45), {}),  # outside the window
    ]
    f = extract_features(events, CONFIG, "team", AS_OF)
    assert (f.active_days, f.usage_events, f.distinct_features) == (2, 3, 2)
    assert math.isclose(f.active_weight, 1.0 + 0.5)  # today, and one half-life ago
    assert math.isclose(f.active_weight_max, recency_weights_total(30, 14))
    assert math.isclose(f.days_since_last, 0.2)
    assert (f.key_used, f.key_total) == (1, 2)
    assert (f.invoices_paid, f.invoices_failed, f.downgrades) == (1, 0, 0)


def test_missing_support_and_billing_are_nan_not_zero() -> None:
    f = extract_features([("page.viewed", at(1), {})], CONFIG, None, AS_OF)
    assert math.isnan(f.tickets) and math.isnan(f.invoices_paid)
    nothing = extract_features([], CONFIG, None, AS_OF)
    assert math.isnan(nothing.days_since_last) and nothing.usage_events == 0


def test_support_baseline_urgent_open_and_sentiment() -> None:
    events: list[EventRow] = [
        ("support.ticket_opened", at(100), {"ticket_id": "old1"}),
        ("support.ticket_opened", at(70), {"ticket_id": "old2"}),
        ("support.ticket_opened", at(40), {"ticket_id": "old3"}),
        ("support.ticket_opened", at(5), {"ticket_id": "t1", "priority": "P1", "sentiment": -0.8}),
        ("support.ticket_opened", at(4), {"ticket_id": "t2", "priority": "p1", "sentiment": 0.2}),
        ("support.ticket_closed", at(1), {"ticket_id": "t2"}),
    ]
    f = extract_features(events, CONFIG, None, AS_OF)
    assert f.tickets == 2
    assert f.tickets_baseline == 3 * 30 / 90  # three tickets in the 90 days before the window
    assert f.urgent_open == 1
    assert math.isclose(f.sentiment, -0.3)


def test_plan_baseline_from_the_playbook() -> None:
    config = HealthConfig.model_validate(
        {"usage": {"baseline_events": {"default": 50, "enterprise": 500}}}
    )
    assert extract_features([], config, "enterprise", AS_OF).usage_baseline == 500
    assert extract_features([], config, "team", AS_OF).usage_baseline == 50
