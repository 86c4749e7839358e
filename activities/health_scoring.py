"""Scoring one customer: the batch engine on a table of one, plus explanation and trend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from activities.health_engine import (
    FeatureTable,
    level_codes,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_explain import explain
from activities.health_features import HealthFeatures
from activities.health_trend import ScorePoint, early_warnings, score_trend
from models.health import HealthScoreResult, RiskLevel
from models.playbook import HealthConfig


def score_customer(
    features: HealthFeatures,
    config: HealthConfig,
    *,
    segment: str | None,
    previous_level: RiskLevel | None,
    history: Sequence[ScorePoint],
    as_of: datetime,
) -> HealthScoreResult:
    table = FeatureTable.from_features([features])
    scores = score_table(table, config, weight_matrix(config, [segment]))
    level = risk_levels(scores.score, level_codes([previous_level]), config)[0]
    components, drivers = explain(features, scores.components[0], scores.weights[0], config)
    value = float(scores.score[0])
    score = None if math.isnan(value) else round(value, 1)
    result = HealthScoreResult(
        score=score,
        risk_level=level,
        confidence=round(float(scores.confidence[0]), 3),
        components=components,
        drivers=drivers,
        computed_at=as_of,
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
