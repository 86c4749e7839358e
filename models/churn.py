"""The churn model of a tenant: plain coefficients (no pickles), with how well it validated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column


class ChurnModelFit(BaseModel):
    """A fitted logistic regression over the standardised component scores."""

    features: list[str]
    medians: list[float]
    means: list[float]
    scales: list[float]
    coefficients: list[float]
    intercept: float
    horizon_days: int
    churned: int
    renewed: int
    cv_auc: float
    brier: float
    fitted_at: datetime


class ChurnModel(SQLModel, table=True):
    __tablename__ = "churn_models"
    __table_args__ = (Index("ix_churn_model_tenant_time", "tenant_id", "fitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    fitted_at: datetime = Field(sa_column=utc_datetime_column())
    fit: dict[str, Any] = Field(sa_column=json_column())


class ChurnModelStatus(BaseModel):
    """What the API says about the model: fitted, or why not."""

    status: str  # "fitted" or "insufficient_data"
    detail: str
    model: ChurnModelFit | None = None


class ChurnEstimate(BaseModel):
    probability: float | None
    status: str
    detail: str
    horizon_days: int | None = None
    model_fitted_at: datetime | None = None
