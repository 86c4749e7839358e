"""Health score history: every computed score with what explains it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column


class HealthScoreRecord(SQLModel, table=True):
    __tablename__ = "health_scores"
    __table_args__ = (Index("ix_health_customer_time", "tenant_id", "customer_id", "computed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    customer_id: str = Field(max_length=128)
    idempotency_key: str = Field(max_length=300, unique=True)
    computed_at: datetime = Field(sa_column=utc_datetime_column())
    score: float | None = None
    risk_level: str = Field(max_length=32)
    confidence: float
    components: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    drivers: list[str] = Field(default_factory=list, sa_column=json_column())
    trend: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    warnings: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    normalisation: str | None = Field(default=None, max_length=300)
    overrides: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
