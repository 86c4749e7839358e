"""Payloads of the customer journey workflow: its input, signals, carried state and query answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.engagement import (
    DecisionRecord,
    EngagementState,
    OpenTask,
    PendingWait,
    QueuedMessage,
    TriggerRecord,
)
from models.health import HealthScoreResult, RiskLevel
from models.playbook import PlaybookRef

RECENT_EVENT_IDS_KEPT = 2000
RECENT_INTERVENTIONS_KEPT = 50
RECENT_RISK_CHANGES_KEPT = 20
RECENT_REWARDS_KEPT = 50


def journey_workflow_id(tenant_id: str, customer_id: str) -> str:
    return f"onboarding/{tenant_id}/{customer_id}"


class Stage(StrEnum):
    SIGNED_UP = "signed_up"
    ONBOARDING = "onboarding"
    ACTIVATED = "activated"
    GRADUATED = "graduated"
    STALLED = "stalled"


class JourneyStatus(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    STUCK = "stuck"


class MilestoneState(StrEnum):
    DONE = "done"
    PENDING = "pending"
    OVERDUE = "overdue"


class ProductEvent(BaseModel):
    """A product event as the workflow receives it (already stored in the event log)."""

    event_id: str
    name: str
    occurred_at: datetime
    properties: dict[str, Any] = Field(default_factory=dict)
    local_day: date | None = Field(
        default=None,
        description="The customer's calendar day of the event, stamped by the API from the "
        "customer's timezone (the workflow sandbox cannot read the tz database); UTC if absent.",
    )


class Achievement(BaseModel):
    milestone_key: str
    achieved_at: datetime
    event_id: str | None = None
    points: int = 0


class LeafProgress(BaseModel):
    count: int = 0
    values: list[str] = Field(default_factory=list, description="Distinct values seen.")


class MilestoneProgress(BaseModel):
    leaves: dict[str, LeafProgress] = Field(default_factory=dict)


class StreakState(BaseModel):
    unit: str = "day"
    current: int = 0
    longest: int = 0
    last_period: str | None = None  # local date "2026-03-29" or ISO week "2026-W13"
    bonuses_this_streak: list[int] = Field(default_factory=list)


class RewardEvent(BaseModel):
    """Something to celebrate: a milestone, badge, level or streak bonus (triggers use these)."""

    at: datetime
    kind: str
    key: str
    points: int = 0


class MilestoneChange(BaseModel):
    """CS staff mark a milestone reached, or undo it; who and why are kept."""

    milestone_key: str
    action: Literal["achieve", "reset"]
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=3, max_length=1000)


class ManualChange(MilestoneChange):
    at: datetime


PAUSE_FOR_GOOD_DAYS = 3650


class PauseChange(BaseModel):
    """CS staff hold a journey's messages: pause (until resumed), snooze (until a time), or
    resume. Events, milestones and scores go on; only messages to the customer wait."""

    action: Literal["pause", "snooze", "resume"]
    until: datetime | None = Field(default=None, description="For snooze: when it ends.")
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=1000)


class PauseRecord(PauseChange):
    at: datetime


class PlaybookMigration(BaseModel):
    """Update input: move a running journey to another version of its playbook."""

    to: PlaybookRef
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=1000)


class MigrationRecord(BaseModel):
    """A migration the journey went through, kept in its state for CS staff and audits."""

    from_version: str
    to_version: str
    at: datetime
    actor: str
    reason: str = ""
    newly_reached: list[str] = Field(default_factory=list)


class MigrationInput(BaseModel):
    """Activity input: plan a journey's move from its version to another one."""

    tenant_id: str
    customer_id: str
    current: PlaybookRef
    target: PlaybookRef
    achievements: dict[str, Achievement]
    progress: dict[str, MilestoneProgress]
    waiting_event_ids: list[str] = Field(
        default_factory=list, description="Signalled but not yet counted: left out of the replay."
    )


class InterventionRecord(BaseModel):
    kind: str
    channel: str
    milestone_key: str | None = None
    idempotency_key: str
    status: str
    at: datetime
    detail: str = ""


class RiskTransition(BaseModel):
    """A change of risk level: the state change engagement triggers react to."""

    at: datetime
    previous: RiskLevel
    current: RiskLevel
    source: str  # "check-in", "event", "nightly"


class JourneyCarry(BaseModel):
    """Everything continue-as-new must hand to the next run."""

    achievements: dict[str, Achievement] = Field(default_factory=dict)
    progress: dict[str, MilestoneProgress] = Field(default_factory=dict)
    badges: dict[str, datetime] = Field(default_factory=dict)
    bonus_points: int = 0
    streak: StreakState = Field(default_factory=StreakState)
    rewards: list[RewardEvent] = Field(default_factory=list)
    recent_event_ids: list[str] = Field(default_factory=list)
    pending: list[ProductEvent] = Field(default_factory=list)
    checkins_done: int = 0
    nudged_milestones: list[str] = Field(default_factory=list)
    last_score: HealthScoreResult | None = None
    interventions: list[InterventionRecord] = Field(default_factory=list)
    last_event_at: datetime | None = None
    events_processed: int = 0
    stage: Stage = Stage.SIGNED_UP
    rescore_due_at: datetime | None = None
    status: JourneyStatus = JourneyStatus.ON_TRACK
    manual_changes: list[ManualChange] = Field(default_factory=list)
    migrations: list[MigrationRecord] = Field(default_factory=list)
    paused_until: datetime | None = None
    pauses: list[PauseRecord] = Field(default_factory=list)
    event_scores: int = 0
    risk_changes: list[RiskTransition] = Field(default_factory=list)
    engagement: EngagementState = Field(default_factory=EngagementState)
    open_tasks: list[OpenTask] = Field(default_factory=list)


class JourneyInput(BaseModel):
    tenant_id: str
    customer_id: str
    playbook: PlaybookRef
    signup_at: datetime
    carry: JourneyCarry | None = None
    events_per_run: int = Field(
        default=1000, ge=1, description="Continue-as-new after this many events, at the latest."
    )


class MilestoneStatus(BaseModel):
    key: str
    title: str
    category: str = "onboarding"
    progress: float = Field(default=0.0, ge=0, le=1, description="Share of the condition met.")
    requires: list[str] = Field(default_factory=list)
    state: MilestoneState
    required: bool
    points: int
    due_at: datetime | None
    achieved_at: datetime | None


class EngagementView(BaseModel):
    """The engagement engine as staff see it: what it decided and why, what waits to be sent."""

    active: bool = False
    decisions: list[DecisionRecord] = Field(default_factory=list)
    queue: list[QueuedMessage] = Field(default_factory=list)
    triggers: dict[str, TriggerRecord] = Field(default_factory=dict)
    open_tasks: list[OpenTask] = Field(default_factory=list)
    waits: list[PendingWait] = Field(default_factory=list)


class JourneySnapshot(BaseModel):
    """Answer to the `state` query: where the customer is and what happens next."""

    tenant_id: str
    customer_id: str
    playbook: PlaybookRef
    signup_at: datetime
    stage: Stage
    milestones: list[MilestoneStatus]
    status: JourneyStatus = JourneyStatus.ON_TRACK
    status_reason: str = ""
    time_to_value_hours: float | None = Field(
        default=None, description="Signup to the time-to-value milestone."
    )
    onboarding_progress: float = Field(
        default=0.0, description="Percent of the required milestones' conditions met."
    )
    category_progress: dict[str, float] = Field(default_factory=dict, description="Percent.")
    points: int
    level: str = ""
    next_level: str | None = None
    points_to_next_level: int | None = None
    badges: dict[str, datetime] = Field(default_factory=dict)
    streak: StreakState = Field(default_factory=StreakState)
    rewards: list[RewardEvent] = Field(default_factory=list)
    last_score: HealthScoreResult | None
    next_wakeup_at: datetime | None
    next_wakeup_reason: str | None
    interventions: list[InterventionRecord]
    events_processed: int
    last_event_at: datetime | None
    risk_changes: list[RiskTransition] = Field(default_factory=list)
    manual_changes: list[ManualChange] = Field(default_factory=list)
    migrations: list[MigrationRecord] = Field(default_factory=list)
    paused_until: datetime | None = None
    pauses: list[PauseRecord] = Field(default_factory=list)
    engagement: EngagementView = Field(default_factory=EngagementView)


class MilestoneRecord(BaseModel):
    """Activity input: persist one achievement (unique per customer and milestone)."""

    tenant_id: str
    customer_id: str
    playbook_version: str
    achievement: Achievement
    signup_at: datetime | None = Field(
        default=None, description="For the time to reach; histories before it was sent lack it."
    )


class NudgeRequest(BaseModel):
    """Activity input: one overdue-milestone nudge on one channel."""

    tenant_id: str
    customer_id: str
    playbook_name: str
    playbook_version: str
    milestone_key: str
    idempotency_key: str


class JourneyProgress(BaseModel):
    """Activity input: mirror stage and score into the customer row for API filters."""

    tenant_id: str
    customer_id: str
    stage: Stage
    points: int
    journey_status: str | None = None
    time_to_value_hours: float | None = None
    health_score: float | None = None
    risk_level: str | None = None
    level: str | None = None
    streak_current: int = 0
    streak_longest: int = 0
    badges: dict[str, datetime] = Field(default_factory=dict)
    playbook: PlaybookRef | None = None


class NudgeResult(BaseModel):
    """What a channel activity did: `sent`, `already_sent` (a retry), or `skipped` with why."""

    status: str
    detail: str = ""
