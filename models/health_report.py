"""What the health endpoints answer: one customer's health, and the portfolio's."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.churn import ChurnEstimate
from models.health import HealthScoreResult, RiskLevel


class HealthPoint(BaseModel):
    computed_at: datetime
    score: float | None
    risk_level: RiskLevel


class CohortPercentiles(BaseModel):
    """Share of peers (latest scores) at or below this score, 0–100; None without peers."""

    segment: float | None
    industry: float | None
    plan: float | None
    tenant: float | None


class CustomerHealth(BaseModel):
    customer_id: str
    as_of: datetime | None
    computed_live: bool
    current: HealthScoreResult | None
    history: list[HealthPoint]
    percentiles: CohortPercentiles
    churn: ChurnEstimate


class ScoreBucket(BaseModel):
    low: int
    high: int
    count: int


class HealthSummary(BaseModel):
    customers: int
    scored: int
    average_score: float | None
    risk_counts: dict[str, int]
    distribution: list[ScoreBucket]
    at_risk_mrr: float


class HorizonResult(BaseModel):
    """How the score did this many days before each outcome."""

    days: int
    customers: int
    churned: int
    roc_auc: float | None
    at_risk_precision: float | None
    at_risk_recall: float | None


class ChurnTrace(BaseModel):
    """What the score said before a churned customer left."""

    customer_id: str
    churned_at: datetime
    scores: dict[int, float | None]
    risk_levels: dict[int, RiskLevel]
    drivers: list[str]


class BacktestReport(BaseModel):
    customers_with_outcome: int
    churned: int
    renewed: int
    horizons: list[HorizonResult]
    churned_customers: list[ChurnTrace]
    note: str | None = None


class MilestoneStats(BaseModel):
    key: str
    title: str
    category: str
    required: bool
    reached: int
    reached_rate: float
    median_hours: float | None
    p90_hours: float | None
    overdue: int


class FunnelStep(BaseModel):
    """Customers who reached this milestone and every one before it, in playbook order."""

    key: str
    customers: int
    rate: float


class SignupCohort(BaseModel):
    week_of: str  # Monday of the signup week
    customers: int
    completed: int
    completion_rate: float


class MilestoneReport(BaseModel):
    customers: int
    statuses: dict[str, int]
    milestones: list[MilestoneStats]
    funnel: list[FunnelStep]
    cohorts: list[SignupCohort]
