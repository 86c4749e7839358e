"""The health engine, vectorised: a table of features in, five components and a score out.

One code path for everyone: scoring one customer is scoring a table of one row, so the nightly
batch and the per-customer check-in can never disagree. NaN marks a component with no data; its
weight is dropped and the rest re-normalised, and `confidence` is the share of weight that had data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from activities.health_features import FEATURE_NAMES, HealthFeatures
from models.health import RiskLevel
from models.playbook import HealthConfig, HealthWeights

COMPONENTS = ("usage", "feature_adoption", "engagement", "support", "payment")
ACTIVE_SHARE_OF_USAGE = 0.6
QUIET_DAYS_BEFORE_PENALTY = 7
QUIET_PENALTY_PER_DAY = 5.0
REPLY_BONUS = 10.0
REPLY_BONUS_MAX = 20.0
LEVELS = (RiskLevel.AT_RISK, RiskLevel.WATCH, RiskLevel.HEALTHY)
OVERALL = "overall"
UNKNOWN = -1

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class FeatureTable:
    values: Floats  # (customers, features) in FEATURE_NAMES order

    @classmethod
    def from_features(cls, rows: Sequence[HealthFeatures]) -> FeatureTable:
        table = np.array([row.row() for row in rows], dtype=np.float64)
        return cls(table.reshape(len(rows), len(FEATURE_NAMES)))

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def col(self, name: str) -> Floats:
        return self.values[:, FEATURE_NAMES.index(name)]


@dataclass(frozen=True)
class ScoreTable:
    components: Floats  # (customers, 5), NaN where no data; manual overrides applied
    weights: Floats  # (customers, 5) as configured, before re-normalisation
    score: Floats  # (customers,), NaN where no component had data; overrides applied
    confidence: Floats
    computed_components: Floats  # what the data alone says, shown next to an override
    computed_score: Floats
    references: dict[str, dict[str, list[float]]] | None = None  # built by a percentile batch


Reference = Mapping[str, Sequence[float]]
"""Component name → sorted raw values of a cohort: what a percentile is measured against."""

Overrides = Mapping[int, Mapping[str, float]]
"""Row index → {component name or 'overall': manual score}."""


def _pct(numerator: Floats, denominator: Floats | float) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(numerator, denominator)
    return np.asarray(100.0 * np.clip(np.nan_to_num(ratio, nan=0.0, posinf=1.0), 0.0, 1.0))


def component_matrix(table: FeatureTable, config: HealthConfig) -> Floats:
    """The five components, each 0–100 by the documented thresholds, NaN where no data."""
    col = table.col
    active = _pct(col("active_weight"), col("active_weight_max") * config.usage.target_active_share)
    volume = _pct(col("usage_events"), col("usage_baseline"))
    quiet = np.nan_to_num(col("days_since_last"), nan=0.0)
    quiet_penalty = QUIET_PENALTY_PER_DAY * np.maximum(
        0.0, np.floor(quiet) - QUIET_DAYS_BEFORE_PENALTY
    )
    usage = np.clip(
        ACTIVE_SHARE_OF_USAGE * active + (1 - ACTIVE_SHARE_OF_USAGE) * volume - quiet_penalty,
        0,
        100,
    )

    key_total = col("key_total")
    adoption = np.where(key_total > 0, _pct(col("key_used"), key_total), np.nan)

    engagement_cfg = config.engagement
    breadth = _pct(col("distinct_features"), float(engagement_cfg.target_distinct_features))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = np.where(col("active_days") > 0, col("usage_events") / col("active_days"), 0.0)
    intensity = _pct(per_day, engagement_cfg.target_events_per_active_day)
    replies = np.minimum(REPLY_BONUS_MAX, REPLY_BONUS * col("replies"))
    engagement = np.clip((breadth + intensity) / 2 + replies, 0, 100)

    support_cfg = config.support
    excess = np.maximum(0.0, col("tickets") - col("tickets_baseline"))
    sentiment = np.maximum(0.0, -np.nan_to_num(col("sentiment"), nan=0.0))
    support = np.clip(
        100
        - support_cfg.ticket_penalty * excess
        - support_cfg.urgent_penalty * col("urgent_open")
        - support_cfg.sentiment_penalty * sentiment,
        0,
        100,
    )  # NaN tickets (no support data) stay NaN

    paid, failed = col("invoices_paid"), col("invoices_failed")
    invoices = paid + failed
    with np.errstate(divide="ignore", invalid="ignore"):
        on_time = np.where(invoices > 0, 100.0 * paid / invoices, 100.0)
    payment = np.clip(on_time - config.payment.downgrade_penalty * col("downgrades"), 0, 100)
    payment = np.where(np.isnan(paid), np.nan, payment)

    return np.column_stack([usage, adoption, engagement, support, payment]).astype(np.float64)


def weight_row(weights: HealthWeights) -> Floats:
    return np.array([getattr(weights, name) for name in COMPONENTS], dtype=np.float64)


def weight_matrix(config: HealthConfig, segments: Sequence[str | None]) -> Floats:
    """Per-customer weights: the segment's override where the playbook has one."""
    rows = {segment: weight_row(config.weights_for(segment)) for segment in set(segments)}
    return np.array([rows[segment] for segment in segments], dtype=np.float64).reshape(
        len(segments), len(COMPONENTS)
    )


def percentile_in(values: Floats, reference: Sequence[float]) -> Floats:
    """Share of the reference below each value (ties count half), 0–100; NaN stays NaN."""
    ordered = np.asarray(reference, dtype=np.float64)
    if ordered.size == 0:
        return np.full(values.shape, np.nan)
    below = np.searchsorted(ordered, values, side="left")
    at_or_below = np.searchsorted(ordered, values, side="right")
    ranks = 100.0 * (below + 0.5 * (at_or_below - below)) / ordered.size
    return np.where(np.isnan(values), np.nan, ranks)


def cohort_references(raw: Floats, cohorts: Sequence[str]) -> dict[str, dict[str, list[float]]]:
    """Per cohort, the sorted raw values of each component (customers with data only)."""
    keys = np.array(cohorts)
    references: dict[str, dict[str, list[float]]] = {}
    for cohort in sorted(set(cohorts)):
        rows = raw[keys == cohort]
        references[cohort] = {
            name: np.sort(column[~np.isnan(column)]).tolist()
            for name, column in zip(COMPONENTS, rows.T, strict=True)
        }
    return references


def to_percentiles(
    raw: Floats, cohorts: Sequence[str], references: Mapping[str, Reference]
) -> Floats:
    """Replace each raw component by its percentile within the customer's cohort."""
    result = np.full(raw.shape, np.nan)
    keys = np.array(cohorts)
    for cohort, reference in references.items():
        rows = keys == cohort
        for index, name in enumerate(COMPONENTS):
            result[rows, index] = percentile_in(raw[rows, index], reference.get(name, []))
    return result


def score_table(
    table: FeatureTable,
    config: HealthConfig,
    weights: Floats,
    overrides: Overrides | None = None,
    *,
    cohorts: Sequence[str] | None = None,
    references: Mapping[str, Reference] | None = None,
) -> ScoreTable:
    """Thresholds by default; with `cohorts`, percentiles against `references` (or the batch)."""
    computed = component_matrix(table, config)
    built = None
    if cohorts is not None:
        if references is None:
            references = built = cohort_references(computed, cohorts)
        computed = to_percentiles(computed, cohorts, references)
    components = computed.copy()
    for row, values in (overrides or {}).items():
        for name, value in values.items():
            if name != OVERALL:
                components[row, COMPONENTS.index(name)] = value
    computed_score, _ = _combine(computed, weights)
    score, confidence = _combine(components, weights)
    for row, values in (overrides or {}).items():
        if OVERALL in values:
            score[row] = values[OVERALL]
    return ScoreTable(
        components=components,
        weights=weights,
        score=score,
        confidence=confidence,
        computed_components=computed,
        computed_score=computed_score,
        references=built,
    )


def _combine(components: Floats, weights: Floats) -> tuple[Floats, Floats]:
    """Weighted mean over the components that have data, and the share of weight they carry."""
    has_data = ~np.isnan(components)
    used = np.where(has_data, weights, 0.0)
    used_total = used.sum(axis=1)
    weighted = np.where(has_data, components * weights, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(used_total > 0, weighted / used_total, np.nan)
        confidence = np.where(weights.sum(axis=1) > 0, used_total / weights.sum(axis=1), 0.0)
    return np.asarray(score, dtype=np.float64), np.asarray(confidence, dtype=np.float64)


def level_codes(levels: Sequence[RiskLevel | None]) -> Ints:
    codes = {level: index for index, level in enumerate(LEVELS)}
    return np.array([codes.get(level, UNKNOWN) if level else UNKNOWN for level in levels])


def risk_levels(score: Floats, previous: Ints, config: HealthConfig) -> list[RiskLevel]:
    """Risk bands with hysteresis: leaving the previous band takes `hysteresis_points` margin."""
    healthy, watch, margin = config.risk.healthy, config.risk.watch, config.hysteresis_points
    filled = np.nan_to_num(score, nan=-np.inf)
    raw = np.where(filled >= healthy, 2, np.where(filled >= watch, 1, 0))
    up = np.where(filled >= healthy + margin, 2, np.where(filled >= watch + margin, 1, 0))
    down = np.where(filled < watch - margin, 0, np.where(filled < healthy - margin, 1, 2))
    moved = np.where(
        raw > previous,
        np.maximum(previous, up),
        np.where(raw < previous, np.minimum(previous, down), previous),
    )
    codes = np.where(previous == UNKNOWN, raw, moved)
    codes = np.where(np.isnan(score), UNKNOWN, codes)
    return [LEVELS[code] if code >= 0 else RiskLevel.UNKNOWN for code in codes.tolist()]
