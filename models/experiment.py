"""Who was exposed to which arm of an experiment, and whether they converted."""

from __future__ import annotations

from datetime import datetime

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
