"""First version of the health score: five weighted components from raw signals.

Pure functions over `HealthSignals`, so every number can be checked by hand. A component with
no data is left out and the weights re-normalised; `confidence` says how much weight had data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models.health import ComponentScore, HealthScoreResult, RiskLevel
from models.playbook import HealthConfig

ACTIVE_DAY_SHARE_FOR_FULL_USAGE = 0.5
"""Active on half the days of the window counts as full usage."""
DISTINCT_EVENTS_FOR_FULL_DEPTH = 6
EVENTS_PER_ACTIVE_DAY_FOR_FULL_DEPTH = 5.0
TICKET_PENALTY = 15.0
URGENT_TICKET_PENALTY = 25.0
DOWNGRADE_PENALTY = 30.0
QUIET_DAYS_BEFORE_PENALTY = 7


@dataclass(frozen=True)
class HealthSignals:
    """Raw signals over the scoring window, gathered from the event log."""

    window_days: int
    active_days: int
    event_count: int
    distinct_event_names: int
    days_since_last_event: int | None
    key_features_used: frozenset[str] = field(default_factory=frozenset)
    key_features: frozenset[str] = field(default_factory=frozenset)
    has_support_data: bool = False
    tickets_opened: int = 0
    urgent_tickets_opened: int = 0
    has_payment_data: bool = False
    invoices_paid: int = 0
    invoices_failed: int = 0
    downgrades: int = 0


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, value))


def usage_component(s: HealthSignals, weight: float) -> ComponentScore:
    expected = max(1.0, s.window_days * ACTIVE_DAY_SHARE_FOR_FULL_USAGE)
    score = clamp(100 * s.active_days / expected)
    quiet = s.days_since_last_event
    if quiet is not None and quiet > QUIET_DAYS_BEFORE_PENALTY:
        score = clamp(score - 5 * (quiet - QUIET_DAYS_BEFORE_PENALTY))
    explanation = f"active on {s.active_days} of the last {s.window_days} days"
    if quiet is None:
        explanation = "no product activity yet"
    elif quiet > QUIET_DAYS_BEFORE_PENALTY:
        explanation += f"; no activity for {quiet} days"
    return ComponentScore(
        name="usage",
        weight=weight,
        score=round(score, 1),
        inputs={"active_days": s.active_days, "days_since_last_event": quiet},
        explanation=explanation,
    )


def feature_adoption_component(s: HealthSignals, weight: float) -> ComponentScore:
    if not s.key_features:
        return ComponentScore(
            name="feature_adoption",
            weight=weight,
            score=None,
            explanation="no key features configured in the playbook",
        )
    used = len(s.key_features_used & s.key_features)
    return ComponentScore(
        name="feature_adoption",
        weight=weight,
        score=round(100 * used / len(s.key_features), 1),
        inputs={"used": sorted(s.key_features_used & s.key_features), "of": len(s.key_features)},
        explanation=f"used {used} of {len(s.key_features)} key features",
    )


def engagement_component(s: HealthSignals, weight: float) -> ComponentScore:
    breadth = clamp(100 * s.distinct_event_names / DISTINCT_EVENTS_FOR_FULL_DEPTH)
    per_day = s.event_count / s.active_days if s.active_days else 0.0
    depth = clamp(100 * per_day / EVENTS_PER_ACTIVE_DAY_FOR_FULL_DEPTH)
    return ComponentScore(
        name="engagement",
        weight=weight,
        score=round((breadth + depth) / 2, 1),
        inputs={"distinct_event_names": s.distinct_event_names, "events_per_active_day": per_day},
        explanation=(
            f"{s.distinct_event_names} distinct actions, {per_day:.1f} events per active day"
        ),
    )


def support_component(s: HealthSignals, weight: float) -> ComponentScore:
    if not s.has_support_data:
        return ComponentScore(
            name="support", weight=weight, score=None, explanation="no support data"
        )
    penalty = TICKET_PENALTY * s.tickets_opened + URGENT_TICKET_PENALTY * s.urgent_tickets_opened
    return ComponentScore(
        name="support",
        weight=weight,
        score=round(clamp(100 - penalty), 1),
        inputs={"tickets_opened": s.tickets_opened, "urgent": s.urgent_tickets_opened},
        explanation=(
            f"{s.tickets_opened} tickets ({s.urgent_tickets_opened} urgent) "
            f"in the last {s.window_days} days"
        ),
    )


def payment_component(s: HealthSignals, weight: float) -> ComponentScore:
    if not s.has_payment_data:
        return ComponentScore(
            name="payment", weight=weight, score=None, explanation="no billing data"
        )
    invoices = s.invoices_paid + s.invoices_failed
    on_time = 100 * s.invoices_paid / invoices if invoices else 100.0
    score = clamp(on_time - DOWNGRADE_PENALTY * s.downgrades)
    return ComponentScore(
        name="payment",
        weight=weight,
        score=round(score, 1),
        inputs={
            "paid": s.invoices_paid,
            "failed": s.invoices_failed,
            "downgrades": s.downgrades,
        },
        explanation=f"{s.invoices_failed} failed of {invoices} invoices, {s.downgrades} downgrades",
    )


def risk_level(score: float | None, config: HealthConfig) -> RiskLevel:
    if score is None:
        return RiskLevel.UNKNOWN
    if score >= config.risk.healthy:
        return RiskLevel.HEALTHY
    if score >= config.risk.watch:
        return RiskLevel.WATCH
    return RiskLevel.AT_RISK


def score_health(
    signals: HealthSignals, config: HealthConfig, as_of: datetime
) -> HealthScoreResult:
    weights = config.weights
    components = [
        usage_component(signals, weights.usage),
        feature_adoption_component(signals, weights.feature_adoption),
        engagement_component(signals, weights.engagement),
        support_component(signals, weights.support),
        payment_component(signals, weights.payment),
    ]
    scored = [c for c in components if c.score is not None and c.weight > 0]
    total_weight = sum(c.weight for c in components)
    weight_with_data = sum(c.weight for c in scored)
    score = (
        round(sum(c.weight * (c.score or 0.0) for c in scored) / weight_with_data, 1)
        if weight_with_data
        else None
    )
    return HealthScoreResult(
        score=score,
        risk_level=risk_level(score, config),
        confidence=round(weight_with_data / total_weight, 3) if total_weight else 0.0,
        components=components,
        drivers=top_drivers(scored),
        computed_at=as_of,
    )


def top_drivers(scored: list[ComponentScore], limit: int = 3) -> list[str]:
    """The components that cost the most points, in words."""
    shortfalls = sorted(scored, key=lambda c: c.weight * (100 - (c.score or 0.0)), reverse=True)
    return [f"{c.name}: {c.explanation}" for c in shortfalls[:limit] if (c.score or 0.0) < 100]
