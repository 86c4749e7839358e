"""Backtest: what the score said 30/60/90 days before each recorded churn or renewal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlmodel import Session, col, select

from activities.health_engine import (
    FeatureTable,
    level_codes,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_explain import explain
from activities.health_features import EventRow, extract_features
from activities.health_scoring import score_customer
from activities.health_trend import ScorePoint
from models.customer import Customer
from models.event import Event
from models.health import RiskLevel
from models.health_report import BacktestReport, ChurnTrace, HorizonResult
from models.playbook import HealthConfig
from models.timeutil import as_utc

CHURNED = "customer.churned"
RENEWED = "customer.renewed"
HORIZONS = (30, 60, 90)
MIN_PER_CLASS = 5
TRACES_SHOWN = 100
LOAD_CHUNK = 500


@dataclass(frozen=True)
class CustomerHistory:
    customer_id: str
    plan: str | None
    segment: str | None
    events: Sequence[EventRow]
    churned: bool
    outcome_at: datetime

    @property
    def first_seen(self) -> datetime:
        return min(as_utc(at) for _, at, _ in self.events)


def outcome(events: Sequence[EventRow]) -> tuple[bool, datetime] | None:
    """The first churn if there is one, else the latest renewal, else None."""
    churns = [as_utc(at) for name, at, _ in events if name == CHURNED]
    if churns:
        return True, min(churns)
    renewals = [as_utc(at) for name, at, _ in events if name == RENEWED]
    return (False, max(renewals)) if renewals else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def backtest(
    histories: Sequence[CustomerHistory],
    config: HealthConfig,
    horizons: Sequence[int] = HORIZONS,
) -> BacktestReport:
    churned_total = sum(1 for h in histories if h.churned)
    results: list[HorizonResult] = []
    traces = {
        h.customer_id: ChurnTrace(
            customer_id=h.customer_id,
            churned_at=h.outcome_at,
            scores={},
            risk_levels={},
            drivers=[],
        )
        for h in histories
        if h.churned
    }
    for days in horizons:
        # A customer who did not exist yet at that moment has nothing to be scored on.
        cohort = [h for h in histories if h.outcome_at - timedelta(days=days) >= h.first_seen]
        if not cohort:
            results.append(
                HorizonResult(
                    days=days,
                    customers=0,
                    churned=0,
                    roc_auc=None,
                    at_risk_precision=None,
                    at_risk_recall=None,
                )
            )
            continue
        features = [
            extract_features(h.events, config, h.plan, h.outcome_at - timedelta(days=days))
            for h in cohort
        ]
        weights = weight_matrix(config, [h.segment for h in cohort])
        scores = score_table(FeatureTable.from_features(features), config, weights)
        levels = risk_levels(scores.score, level_codes([None] * len(cohort)), config)
        labels = np.array([h.churned for h in cohort])
        known = ~np.isnan(scores.score)
        auc = None
        if min(labels[known].sum(), (~labels[known]).sum()) >= MIN_PER_CLASS:
            auc = round(float(roc_auc_score(labels[known], 100 - scores.score[known])), 3)
        flagged = np.array([level is RiskLevel.AT_RISK for level in levels])
        true_positives = int((flagged & labels).sum())
        results.append(
            HorizonResult(
                days=days,
                customers=len(cohort),
                churned=int(labels.sum()),
                roc_auc=auc,
                at_risk_precision=_ratio(true_positives, int(flagged.sum())),
                at_risk_recall=_ratio(true_positives, int(labels.sum())),
            )
        )
        for index, history in enumerate(cohort):
            trace = traces.get(history.customer_id)
            if trace is None:
                continue
            value = float(scores.score[index])
            trace.scores[days] = None if math.isnan(value) else round(value, 1)
            trace.risk_levels[days] = levels[index]
            if days == min(horizons):
                _, trace.drivers = explain(
                    features[index], scores.components[index], scores.weights[index], config
                )
    note = None
    if churned_total < MIN_PER_CLASS or len(histories) - churned_total < MIN_PER_CLASS:
        note = (
            f"too few outcomes for a meaningful backtest: {churned_total} churned, "
            f"{len(histories) - churned_total} renewed (at least {MIN_PER_CLASS} of each needed)"
        )
    ordered = sorted(traces.values(), key=lambda t: t.churned_at, reverse=True)
    return BacktestReport(
        customers_with_outcome=len(histories),
        churned=churned_total,
        renewed=len(histories) - churned_total,
        horizons=results,
        churned_customers=ordered[:TRACES_SHOWN],
        note=note,
    )


def load_outcome_histories(session: Session, tenant_id: str) -> list[CustomerHistory]:
    """Every customer of the tenant with a recorded outcome, with all its events."""
    with_outcome = sorted(
        set(
            session.exec(
                select(Event.customer_id).where(
                    Event.tenant_id == tenant_id, col(Event.name).in_([CHURNED, RENEWED])
                )
            ).all()
        )
    )
    attributes = {
        c.customer_id: (c.plan, c.segment)
        for c in session.exec(
            select(Customer).where(
                Customer.tenant_id == tenant_id, col(Customer.customer_id).in_(with_outcome)
            )
        ).all()
    }
    events: dict[str, list[EventRow]] = {customer_id: [] for customer_id in with_outcome}
    for start in range(0, len(with_outcome), LOAD_CHUNK):
        chunk = with_outcome[start : start + LOAD_CHUNK]
        for customer_id, name, at, properties in session.exec(
            select(Event.customer_id, Event.name, Event.occurred_at, Event.properties).where(
                Event.tenant_id == tenant_id, col(Event.customer_id).in_(chunk)
            )
        ).all():
            events[customer_id].append((name, as_utc(at), properties))
    histories = []
    for customer_id, rows in events.items():
        result = outcome(rows)
        if result is None:
            continue
        plan, segment = attributes.get(customer_id, (None, None))
        histories.append(
            CustomerHistory(
                customer_id=customer_id,
                plan=plan,
                segment=segment,
                events=rows,
                churned=result[0],
                outcome_at=result[1],
            )
        )
    return histories


def first_alarm(
    history: CustomerHistory,
    config: HealthConfig,
    *,
    every: timedelta = timedelta(days=7),
    settle: timedelta = timedelta(days=14),
) -> datetime | None:
    """Replays weekly check-ins up to the outcome: when did a warning or at-risk first appear?"""
    previous: RiskLevel | None = None
    points: list[ScorePoint] = []
    moment = history.first_seen + settle
    while moment < history.outcome_at:
        features = extract_features(history.events, config, history.plan, moment)
        result = score_customer(
            features,
            config,
            segment=history.segment,
            previous_level=previous,
            history=points,
            as_of=moment,
        )
        if result.warnings or result.risk_level is RiskLevel.AT_RISK:
            return moment
        previous = result.risk_level
        if result.score is not None:
            points.append(ScorePoint(moment, result.score))
        moment += every
    return None
