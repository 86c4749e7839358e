"""Health score payloads: a score always travels with the components and inputs that explain it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class RiskLevel(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at_risk"
    UNKNOWN = "unknown"


class ComponentScore(BaseModel):
    """One of the five components; `score` is None when there was no data for it."""

    name: str
    weight: float
    score: float | None
    inputs: dict[str, Any] = Field(default_factory=dict)
    explanation: str = ""


class AppliedOverride(BaseModel):
    """A manual value in force: the score shows it, and says so."""

    id: int
    component: str
    score: float
    computed_score: float | None
    reason: str
    author: str
    expires_at: datetime


class HealthTrend(BaseModel):
    """How the score moved: None where there is no score that far back."""

    delta_7d: float | None = None
    delta_30d: float | None = None
    slope_per_week: float | None = None


class HealthScoreResult(BaseModel):
    score: float | None
    risk_level: RiskLevel
    confidence: float = Field(ge=0, le=1, description="Share of the total weight that had data.")
    components: list[ComponentScore]
    drivers: list[str] = Field(default_factory=list)
    computed_at: datetime
    trend: HealthTrend = Field(default_factory=HealthTrend)
    warnings: list[str] = Field(default_factory=list, description="Early warnings, in words.")
    overrides: list[AppliedOverride] = Field(default_factory=list)
    normalisation: str = "thresholds"


class ScoreRequest(BaseModel):
    """What the workflow asks the scoring activity; the key makes the stored score idempotent."""

    tenant_id: str
    customer_id: str
    playbook_name: str
    playbook_version: str
    as_of: datetime
    idempotency_key: str
    stage: str


class RiskChange(BaseModel):
    """Signal to a journey: the nightly batch moved this customer to another risk level."""

    customer_id: str
    previous: RiskLevel
    current: RiskLevel
    score: float | None
    computed_at: datetime


class PortfolioRequest(BaseModel):
    tenant_id: str
    playbook_name: str
    playbook_version: str
    as_of: datetime
    run_key: str


class PortfolioResult(BaseModel):
    tenant_id: str
    scored: int
    changed: list[RiskChange]
    seconds: float
    churn_model: str | None = None
