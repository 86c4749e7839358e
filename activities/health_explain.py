"""Words for the numbers: what each component saw, and which ones cost the most points."""

from __future__ import annotations

import math

from activities.health_engine import COMPONENTS, Floats
from activities.health_features import HealthFeatures
from models.health import ComponentScore
from models.playbook import HealthConfig

DRIVERS_SHOWN = 3


def _explain_usage(f: HealthFeatures, window: int) -> str:
    if math.isnan(f.days_since_last):
        return "no product activity yet"
    text = (
        f"active on {f.active_days:.0f} of the last {window} days, "
        f"{f.usage_events:.0f} events vs a baseline of {f.usage_baseline:.0f}"
    )
    if f.days_since_last >= 7:
        text = f"no activity for {f.days_since_last:.0f} days; " + text
    return text


def _explain_adoption(f: HealthFeatures) -> str:
    if f.key_total == 0:
        return "no key features configured in the playbook"
    return f"uses {f.key_used:.0f} of {f.key_total:.0f} key features"


def _explain_engagement(f: HealthFeatures) -> str:
    per_day = f.usage_events / f.active_days if f.active_days else 0.0
    text = f"{f.distinct_features:.0f} distinct features, {per_day:.1f} events per active day"
    return text + (f", {f.replies:.0f} replies to outreach" if f.replies else "")


def _explain_support(f: HealthFeatures, window: int) -> str:
    if math.isnan(f.tickets):
        return "no support data"
    if f.tickets_baseline > 0:
        text = f"support tickets {f.tickets / f.tickets_baseline:.1f}x the {window}-day baseline"
    else:
        text = f"{f.tickets:.0f} support tickets in {window} days"
    if f.urgent_open:
        text += f", {f.urgent_open:.0f} urgent still open"
    if not math.isnan(f.sentiment) and f.sentiment < 0:
        text += f", sentiment {f.sentiment:+.1f}"
    return text


def _explain_payment(f: HealthFeatures, days: int) -> str:
    if math.isnan(f.invoices_paid):
        return "no billing data"
    invoices = f.invoices_paid + f.invoices_failed
    text = f"{f.invoices_failed:.0f} failed of {invoices:.0f} invoices in {days} days"
    return text + (f", {f.downgrades:.0f} downgrades" if f.downgrades else "")


def _inputs(f: HealthFeatures, name: str) -> dict[str, float | None]:
    keys = {
        "usage": ("active_days", "usage_events", "usage_baseline", "days_since_last"),
        "feature_adoption": ("key_used", "key_total"),
        "engagement": ("distinct_features", "usage_events", "active_days", "replies"),
        "support": ("tickets", "tickets_baseline", "urgent_open", "sentiment"),
        "payment": ("invoices_paid", "invoices_failed", "downgrades"),
    }[name]
    values = {key: float(getattr(f, key)) for key in keys}
    return {key: None if math.isnan(value) else round(value, 3) for key, value in values.items()}


def explain(
    features: HealthFeatures, components: Floats, weights: Floats, config: HealthConfig
) -> tuple[list[ComponentScore], list[str]]:
    """Per-component explanation and the top drivers (the biggest weighted shortfalls)."""
    window = config.window_days
    texts = {
        "usage": _explain_usage(features, window),
        "feature_adoption": _explain_adoption(features),
        "engagement": _explain_engagement(features),
        "support": _explain_support(features, window),
        "payment": _explain_payment(features, config.payment.window_days),
    }
    scored = []
    for index, name in enumerate(COMPONENTS):
        value = float(components[index])
        scored.append(
            ComponentScore(
                name=name,
                weight=float(weights[index]),
                score=None if math.isnan(value) else round(value, 1),
                inputs=_inputs(features, name),
                explanation=texts[name],
            )
        )
    shortfalls = sorted(
        (c for c in scored if c.score is not None and c.score < 100 and c.weight > 0),
        key=lambda c: c.weight * (100 - (c.score or 0.0)),
        reverse=True,
    )
    drivers = [f"{c.name.replace('_', ' ')}: {c.explanation}" for c in shortfalls[:DRIVERS_SHOWN]]
    return scored, drivers
