"""Churn probability: logistic regression over the component scores, fitted on known outcomes.

Training rows are each customer's components as of `horizon_days` before its churn or renewal.
Quality is measured by 5-fold cross-validation (ROC AUC, Brier score) before the model is kept.
With fewer than MIN_PER_CLASS churns or renewals the model is not fitted, and the API says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlmodel import Session, col, select

from activities.health_backtest import CustomerHistory
from activities.health_engine import COMPONENTS, FeatureTable, Floats, score_table, weight_matrix
from activities.health_features import extract_features
from models.churn import ChurnEstimate, ChurnModel, ChurnModelFit, ChurnModelStatus
from models.health import HealthScoreResult
from models.playbook import HealthConfig

HORIZON_DAYS = 30
MIN_PER_CLASS = 20
FOLDS = 5


NO_MODEL = (
    "no churn model yet: it needs recorded churn and renewal outcomes "
    f"(at least {MIN_PER_CLASS} of each; import them with `onboard import`)"
)


class InsufficientOutcomes(ValueError):
    """Too few churns or renewals to fit anything worth showing."""


def training_rows(
    histories: Sequence[CustomerHistory], config: HealthConfig, horizon_days: int
) -> tuple[Floats, np.ndarray]:
    """Computed components (no overrides) as of the horizon before each outcome, and labels."""
    cohort = [h for h in histories if h.outcome_at - timedelta(days=horizon_days) >= h.first_seen]
    features = [
        extract_features(h.events, config, h.plan, h.outcome_at - timedelta(days=horizon_days))
        for h in cohort
    ]
    if not cohort:
        return np.empty((0, len(COMPONENTS))), np.empty(0, dtype=bool)
    weights = weight_matrix(config, [h.segment for h in cohort])
    table = score_table(FeatureTable.from_features(features), config, weights)
    return table.computed_components, np.array([h.churned for h in cohort])


def fit_churn_model(
    histories: Sequence[CustomerHistory],
    config: HealthConfig,
    now: datetime,
    horizon_days: int = HORIZON_DAYS,
) -> ChurnModelFit:
    x, y = training_rows(histories, config, horizon_days)
    churned, renewed = int(y.sum()), int((~y).sum())
    if min(churned, renewed) < MIN_PER_CLASS:
        raise InsufficientOutcomes(
            f"not enough outcomes to estimate churn: {churned} churned and {renewed} renewed "
            f"customers with {horizon_days} days of history before the outcome; "
            f"at least {MIN_PER_CLASS} of each are needed"
        )
    medians = np.nanmedian(np.where(np.isnan(x).all(axis=0), 50.0, x), axis=0)
    filled = np.where(np.isnan(x), medians, x)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    held_out = cross_val_predict(pipeline, filled, y, cv=folds, method="predict_proba")[:, 1]
    pipeline.fit(filled, y)
    scaler, regression = pipeline[0], pipeline[1]
    return ChurnModelFit(
        features=list(COMPONENTS),
        medians=[float(v) for v in medians],
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) for v in scaler.scale_],
        coefficients=[float(v) for v in regression.coef_[0]],
        intercept=float(regression.intercept_[0]),
        horizon_days=horizon_days,
        churned=churned,
        renewed=renewed,
        cv_auc=round(float(roc_auc_score(y, held_out)), 3),
        brier=round(float(brier_score_loss(y, held_out)), 4),
        fitted_at=now,
    )


def predict_churn(fit: ChurnModelFit, components: Sequence[float | None]) -> float:
    """Probability of churn within the model's horizon, from one customer's component scores."""
    logit = fit.intercept
    for value, median, mean, scale, weight in zip(
        components, fit.medians, fit.means, fit.scales, fit.coefficients, strict=True
    ):
        filled = median if value is None else value
        logit += weight * (filled - mean) / scale
    return 1.0 / (1.0 + math.exp(-logit))


def store_fit(session: Session, tenant_id: str, fit: ChurnModelFit) -> None:
    session.add(
        ChurnModel(tenant_id=tenant_id, fitted_at=fit.fitted_at, fit=fit.model_dump(mode="json"))
    )


def latest_fit(session: Session, tenant_id: str) -> ChurnModelFit | None:
    row = session.exec(
        select(ChurnModel)
        .where(ChurnModel.tenant_id == tenant_id)
        .order_by(col(ChurnModel.fitted_at).desc(), col(ChurnModel.id).desc())
    ).first()
    return None if row is None else ChurnModelFit.model_validate(row.fit)


def refit(
    session: Session,
    tenant_id: str,
    histories: Sequence[CustomerHistory],
    config: HealthConfig,
    now: datetime,
) -> ChurnModelStatus:
    try:
        fit = fit_churn_model(histories, config, now)
    except InsufficientOutcomes as reason:
        return ChurnModelStatus(status="insufficient_data", detail=str(reason))
    store_fit(session, tenant_id, fit)
    return model_status(fit)


def model_status(fit: ChurnModelFit | None) -> ChurnModelStatus:
    if fit is None:
        return ChurnModelStatus(status="insufficient_data", detail=NO_MODEL)
    return ChurnModelStatus(
        status="fitted",
        detail=f"fitted on {fit.churned} churns and {fit.renewed} renewals; "
        f"cross-validated ROC AUC {fit.cv_auc}, Brier {fit.brier}",
        model=fit,
    )


def churn_estimate(fit: ChurnModelFit | None, result: HealthScoreResult) -> ChurnEstimate:
    if fit is None:
        return ChurnEstimate(probability=None, status="insufficient_data", detail=NO_MODEL)
    scores = {c.name: c.score for c in result.components}
    probability = predict_churn(fit, [scores.get(name) for name in fit.features])
    return ChurnEstimate(
        probability=round(probability, 3),
        status="estimated",
        detail=f"chance of churning within {fit.horizon_days} days "
        f"(model cross-validated ROC AUC {fit.cv_auc})",
        horizon_days=fit.horizon_days,
        model_fitted_at=fit.fitted_at,
    )
