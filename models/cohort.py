"""Cohort references: each portfolio run keeps the raw component values of every cohort, so a
single customer scored later is ranked against the same peers the batch used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.columns import json_column, utc_datetime_column


class CohortReference(SQLModel, table=True):
    __tablename__ = "cohort_references"
    __table_args__ = (Index("ix_cohort_reference", "tenant_id", "cohort", "computed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    cohort: str = Field(max_length=200)
    computed_at: datetime = Field(sa_column=utc_datetime_column())
    run_key: str = Field(max_length=300)
    values: dict[str, list[float]] = Field(sa_column=json_column())


def cohort_key(by: str, *, segment: str | None, industry: str | None, plan: str | None) -> str:
    """'segment=smb', 'plan=team', … or 'tenant' for the whole tenant."""
    if by == "tenant":
        return "tenant"
    value = {"segment": segment, "industry": industry, "plan": plan}[by]
    return f"{by}={value or 'none'}"
