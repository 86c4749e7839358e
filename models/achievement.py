"""Milestone achievements: one row per customer and milestone, written once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column


class MilestoneAchievement(SQLModel, table=True):
    __tablename__ = "milestone_achievements"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "customer_id", "milestone_key", name="uq_achievement_customer_milestone"
        ),
        # The report reads quantiles of time to reach straight off this index.
        Index("ix_achievement_reach", "tenant_id", "milestone_key", "hours_to_reach"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    customer_id: str = Field(max_length=128, index=True)
    milestone_key: str = Field(max_length=64)
    achieved_at: datetime = Field(sa_column=utc_datetime_column())
    event_id: str | None = Field(default=None, max_length=128)
    points: int = 0
    hours_to_reach: float | None = Field(default=None, description="Hours from signup.")
    playbook_version: str = Field(max_length=32)


class BadgeAward(SQLModel, table=True):
    """A badge a customer earned: one row per customer and badge, written once."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "badge_key", name="uq_badge_customer_badge"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    customer_id: str = Field(max_length=128, index=True)
    badge_key: str = Field(max_length=64)
    awarded_at: datetime = Field(sa_column=utc_datetime_column())
