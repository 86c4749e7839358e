"""Scheduled campaigns: a broadcast to a segment at a given time or on a calendar.

A Temporal Schedule starts the fan-out; each customer's journey decides by itself (segment,
preferences, frequency caps, quiet hours), so a campaign never bypasses the guardrails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field as TableField
from sqlmodel import SQLModel

from models.columns import json_column, utc_datetime_column
from models.expressions import check_expression
from models.timeutil import known_timezone, utc_now
from models.triggers import Action

SEGMENT_VARIABLES = frozenset({"customer", "state"})


class CampaignDefinition(BaseModel):
    """What is sent, to whom; `segment` is CEL over `customer` and `state` (empty: everyone)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    segment: str | None = Field(default=None, max_length=2000)
    then: list[Action] = Field(min_length=1, max_length=5)
    category: str = Field(default="announcements", pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    priority: int = Field(default=6, ge=1, le=10)
    when_capped: Literal["defer", "drop"] = "defer"

    @field_validator("segment")
    @classmethod
    def _valid_segment(cls, value: str | None) -> str | None:
        if value is not None:
            check_expression(value, SEGMENT_VARIABLES)
        return value


class CampaignCreate(CampaignDefinition):
    """Exactly one of `at` (once) or `cron` (repeating, in `timezone`)."""

    at: datetime | None = None
    cron: str | None = Field(default=None, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    rate_per_second: int = Field(
        default=50, ge=1, le=500, description="How fast the fan-out signals journeys."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if (self.at is None) == (self.cron is None):
            raise ValueError("give exactly one of 'at' (a moment) or 'cron' (a calendar)")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("'at' needs a timezone offset, e.g. 2026-12-01T09:00:00Z")
        return self


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_campaign_key"),)

    id: int | None = TableField(default=None, primary_key=True)
    tenant_id: str = TableField(foreign_key="tenants.id", max_length=64, index=True)
    key: str = TableField(max_length=64)
    definition: dict[str, Any] = TableField(sa_column=json_column())
    schedule_id: str = TableField(max_length=200)
    created_at: datetime = TableField(default_factory=utc_now, sa_column=utc_datetime_column())


class CampaignPublic(CampaignCreate):
    schedule_id: str
    created_at: datetime
    next_runs: list[datetime] = Field(default_factory=list)
    recent_runs: list[str] = Field(default_factory=list, description="Workflow ids of runs.")
    paused: bool = False


class CampaignRun(BaseModel):
    """The fan-out workflow's input (and its continue-as-new carry)."""

    tenant_id: str
    definition: CampaignDefinition
    rate_per_second: int = 50
    after: str | None = None
    signalled: int = 0
    missing: int = 0


class CampaignResult(BaseModel):
    signalled: int
    missing: int = Field(description="Customers without a running journey.")


class Broadcast(BaseModel):
    """Signal input: one campaign run reaching one journey."""

    run_id: str
    definition: CampaignDefinition
