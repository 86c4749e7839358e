"""Who was exposed to which arm of an experiment, and whether they converted."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column


class ExperimentExposure(SQLModel, table=True):
    __tablename__ = "experiment_exposures"
    __table_args__ = (
        UniqueConstraint("tenant_id", "experiment", "customer_id", name="uq_exposure_customer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    experiment: str = Field(max_length=64, index=True)
    customer_id: str = Field(max_length=128)
    variant: str = Field(max_length=64)
    exposed_at: datetime = Field(sa_column=utc_datetime_column())
    converted_at: datetime | None = Field(
        default=None, sa_column=utc_datetime_column(nullable=True)
    )


class ArmReport(BaseModel):
    """One arm's numbers; lift and its 95% interval are absolute, against the holdout."""

    variant: str
    exposed: int
    converted: int
    rate: float
    lift: float | None = None
    lift_low: float | None = None
    lift_high: float | None = None
    p_value: float | None = Field(default=None, description="Two-sided, two-proportion test.")
    enough_data: bool = False


class ExperimentReport(BaseModel):
    key: str
    trigger: str
    goal: str
    window_days: int
    holdout_share: float
    min_sample: int
    arms: list[ArmReport]
    enough_data: bool = Field(description="Every arm and the holdout reached the minimum sample.")
