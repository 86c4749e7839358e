"""The first health score on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from activities.health_scoring import HealthSignals, score_health
from models.health import RiskLevel
from models.playbook import HealthConfig

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
FEATURES = frozenset({"a", "b", "c", "d"})


def signals(**overrides: object) -> HealthSignals:
    base: dict[str, object] = {
        "window_days": 30,
        "active_days": 15,
        "event_count": 75,
        "distinct_event_names": 6,
        "days_since_last_event": 0,
        "key_features_used": frozenset({"a", "b"}),
        "key_features": FEATURES,
    }
    base.update(overrides)
    return HealthSignals(**base)  # type: ignore[arg-type]


def test_missing_support_and_payment_are_left_out_and_weights_renormalised() -> None:
    result = score_health(signals(), HealthConfig(), AS_OF)
    by_name = {c.name: c.score for c in result.components}
    # usage 100 (15 of 15 expected days), adoption 50 (2 of 4), engagement 100 (6 names, 5/day)
    assert by_name == {
        "usage": 100.0,
        "feature_adoption": 50.0,
        "engagement": 100.0,
        "support": None,
        "payment": None,
    }
    assert result.score == pytest.approx((30 * 100 + 25 * 50 + 20 * 100) / 75, abs=0.05)
    assert result.confidence == 0.75
    assert result.risk_level is RiskLevel.HEALTHY
    assert result.drivers[0] == "feature_adoption: used 2 of 4 key features"


def test_support_tickets_and_failed_invoices_pull_the_score_down() -> None:
    result = score_health(
        signals(
            has_support_data=True,
            tickets_opened=3,
            urgent_tickets_opened=1,
            has_payment_data=True,
            invoices_paid=1,
            invoices_failed=1,
        ),
        HealthConfig(),
        AS_OF,
    )
    by_name = {c.name: c.score for c in result.components}
    assert by_name["support"] == 100 - 3 * 15 - 25
    assert by_name["payment"] == 50.0
    assert result.confidence == 1.0


def test_quiet_customer_is_at_risk_with_the_reason_in_words() -> None:
    quiet = signals(
        active_days=1,
        event_count=1,
        distinct_event_names=1,
        days_since_last_event=20,
        key_features_used=frozenset(),
    )
    result = score_health(quiet, HealthConfig(), AS_OF)
    assert result.risk_level is RiskLevel.AT_RISK
    assert any("no activity for 20 days" in driver for driver in result.drivers)


def test_no_data_at_all_gives_unknown_not_zero() -> None:
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
    result = score_health(signals(), config, AS_OF)
    assert result.score is None
    assert result.risk_level is RiskLevel.UNKNOWN
    assert result.confidence == 0.0
