"""Tasks for CS staff that the journey creates and waits on (with an SLA and escalation)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    ESCALATED = "escalated"


class CsTaskBase(SQLModel):
    title: str = Field(max_length=300)
    body: str
    owner: str | None = Field(default=None, max_length=200)
    due_at: datetime = Field(sa_column=utc_datetime_column(index=True))
    status: str = Field(default=TaskStatus.OPEN, max_length=16, index=True)


class CsTask(CsTaskBase, table=True):
    __tablename__ = "cs_tasks"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64, index=True)
    customer_id: str = Field(max_length=128, index=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    trigger_key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())
    completed_at: datetime | None = Field(
        default=None, sa_column=utc_datetime_column(nullable=True)
    )
    completed_by: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    escalated_to: str | None = Field(default=None, max_length=200)
    escalated_at: datetime | None = Field(
        default=None, sa_column=utc_datetime_column(nullable=True)
    )


class CsTaskPublic(CsTaskBase):
    id: int
    customer_id: str
    trigger_key: str
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    note: str | None
    escalated_to: str | None
    escalated_at: datetime | None


class TaskCompletion(BaseModel):
    """Update input: CS staff closed the task."""

    task_key: str
    actor: str
    note: str = ""
