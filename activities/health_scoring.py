"""Scoring one customer: the batch engine on a table of one, plus explanation and trend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from activities.health_engine import (
    COMPONENTS,
    OVERALL,
    FeatureTable,
    Floats,
    Reference,
    level_codes,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_explain import explain
from activities.health_features import HealthFeatures
from activities.health_trend import ScorePoint, early_warnings, score_trend
from models.health import AppliedOverride, ComponentScore, HealthScoreResult, RiskLevel
from models.override import HealthOverride
from models.playbook import HealthConfig
from models.timeutil import as_utc


def score_customer(
    features: HealthFeatures,
    config: HealthConfig,
    *,
    segment: str | None,
    previous_level: RiskLevel | None,
    history: Sequence[ScorePoint],
    as_of: datetime,
    overrides: Sequence[HealthOverride] = (),
    cohort: str | None = None,
    reference: Reference | None = None,
) -> HealthScoreResult:
    """`overrides` are the manual values in force at `as_of` (see `active_overrides`); with a
    cohort and its reference, components are percentiles within that cohort."""
    table = FeatureTable.from_features([features])
    manual = {0: {o.component: o.score for o in overrides}} if overrides else None
    by_cohort = cohort is not None and reference is not None
    scores = score_table(
        table,
        config,
        weight_matrix(config, [segment]),
        manual,
        cohorts=[cohort] if by_cohort and cohort else None,
        references={cohort: reference} if by_cohort and cohort and reference else None,
    )
    level = risk_levels(scores.score, level_codes([previous_level]), config)[0]
    components, drivers = explain(features, scores.components[0], scores.weights[0], config)
    applied = applied_overrides(overrides, scores.computed_components[0], scores.computed_score[0])
    components = mark_overridden(components, applied)
    value = float(scores.score[0])
    score = None if math.isnan(value) else round(value, 1)
    result = HealthScoreResult(
        score=score,
        risk_level=level,
        confidence=round(float(scores.confidence[0]), 3),
        components=components,
        drivers=drivers,
        computed_at=as_of,
        overrides=applied,
        normalisation=normalisation_label(config, cohort if by_cohort else None),
    )
    if score is None:
        return result
    current = ScorePoint(at=as_of, score=score)
    return result.model_copy(
        update={
            "trend": score_trend(history, current),
            "warnings": early_warnings(history, current, config.early_warning),
        }
    )


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 1)


def applied_overrides(
    overrides: Sequence[HealthOverride], computed_components: Floats, computed_score: float
) -> list[AppliedOverride]:
    return [
        AppliedOverride(
            id=override.id or 0,
            component=override.component,
            score=override.score,
            computed_score=_number(
                computed_score
                if override.component == OVERALL
                else computed_components[COMPONENTS.index(override.component)]
            ),
            reason=override.reason,
            author=override.author,
            expires_at=as_utc(override.expires_at),
        )
        for override in overrides
    ]


def mark_overridden(
    components: list[ComponentScore], applied: Sequence[AppliedOverride]
) -> list[ComponentScore]:
    """An overridden component says so, with who, why, until when and what the data said."""
    by_component = {a.component: a for a in applied}
    marked = []
    for component in components:
        override = by_component.get(component.name)
        if override is not None:
            component = component.model_copy(
                update={
                    "explanation": (
                        f"set to {override.score:g} by {override.author} until "
                        f"{override.expires_at:%Y-%m-%d %H:%M} UTC ({override.reason}); "
                        f"computed {override.computed_score}: {component.explanation}"
                    )
                }
            )
        marked.append(component)
    return marked


def normalisation_label(config: HealthConfig, cohort: str | None) -> str:
    if cohort is not None:
        return f"cohort_percentile ({cohort})"
    if config.normalisation == "cohort_percentile":
        return "thresholds (no cohort reference yet: the nightly run makes one)"
    return "thresholds"
