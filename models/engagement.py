"""What a journey keeps about its engagement triggers, and what it asks the channels to do."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.triggers import Action, Channel

RECENT_DECISIONS_KEPT = 100
SENT_LOG_DAYS = 8
"""Caps look back a week at most; older sends are forgotten."""

Verdict = Literal[
    "queued",
    "sent",
    "deferred",
    "dropped",
    "skipped",
    "failed",
    "suppressed",
    "holdout",
    "cancelled",
]


class TriggerRecord(BaseModel):
    occurrences: int = 0
    sends: int = 0
    last_sent_at: datetime | None = None
    last_scheduled_at: datetime | None = None
    stopped: str | None = None


class QueuedMessage(BaseModel):
    """A message a trigger decided to send, waiting for its time (now, or after a deferral)."""

    key: str = Field(
        description="trigger/occurrence/action: with the workflow id, the delivery key."
    )
    trigger: str
    action: Action
    priority: int
    when_capped: Literal["defer", "drop"]
    due_at: datetime
    variant: str | None = None
    milestone: str | None = None
    category: str | None = Field(
        default=None, description="Campaigns' own category; trigger messages use the trigger's."
    )
    deferrals: int = 0


class SentMessage(BaseModel):
    channel: Channel
    at: datetime
    trigger: str


class DecisionRecord(BaseModel):
    """Every decision about a trigger or a message, with the reason in words."""

    at: datetime
    trigger: str
    verdict: Verdict
    key: str | None = None
    channel: Channel | None = None
    reason: str = ""


class Exposure(BaseModel):
    experiment: str
    variant: str
    at: datetime
    converted_at: datetime | None = None


class PendingWait(BaseModel):
    """A trigger's wait step in progress: which events end it, and when it times out."""

    trigger: str
    occurrence: int
    any_of: list[str]
    deadline: datetime


class EngagementState(BaseModel):
    triggers: dict[str, TriggerRecord] = Field(default_factory=dict)
    queue: list[QueuedMessage] = Field(default_factory=list)
    sent: list[SentMessage] = Field(default_factory=list)
    decisions: list[DecisionRecord] = Field(default_factory=list)
    overdue_announced: list[str] = Field(default_factory=list)
    inactive_announced: list[int] = Field(default_factory=list)
    inactive_since: datetime | None = None
    exposures: dict[str, Exposure] = Field(default_factory=dict)
    waits: list[PendingWait] = Field(default_factory=list)
    campaign_runs: list[str] = Field(
        default_factory=list, description="Campaign runs already handled (a re-sent signal)."
    )


class OpenTask(BaseModel):
    """A CS task the journey created and waits on until it is done or its SLA lapses."""

    key: str = Field(description="The task's delivery key (workflow id / message key).")
    message_key: str
    trigger: str
    due_at: datetime
    escalated: bool = False


class CustomerContext(BaseModel):
    """The customer's attributes as triggers and templates see them (read fresh per round)."""

    customer_id: str
    name: str | None = None
    email: str | None = None
    plan: str | None = None
    segment: str | None = None
    industry: str | None = None
    timezone: str = "UTC"
    csm_owner: str | None = None
    mrr: float | None = None


class DeliveryRequest(BaseModel):
    """One message on one channel; `idempotency_key` makes a retried delivery a no-op."""

    tenant_id: str
    customer_id: str
    idempotency_key: str
    trigger: str
    category: str
    action: Action
    variables: dict[str, Any]
    variant: str | None = None
    experiment: str | None = None


class DeliveryResult(BaseModel):
    status: Literal["sent", "already_sent", "skipped", "failed", "suppressed"]
    detail: str = ""


class ExposureRecord(BaseModel):
    """Activity input: store (or update) a customer's exposure to an experiment."""

    tenant_id: str
    customer_id: str
    exposure: Exposure


class TaskOutcome(BaseModel):
    """Activity input: a CS task was completed, or escalated when its SLA lapsed."""

    tenant_id: str
    idempotency_key: str
    outcome: Literal["done", "escalated"]
    actor: str | None = None
    note: str = ""
    escalated_to: str | None = None
