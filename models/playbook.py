"""Playbook schema: what lifecycle designers write in YAML, checked before any customer sees it."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.conditions import Condition, EventCondition, PropertyValue
from models.triggers import Engagement

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MilestoneCategory = Literal["onboarding", "feature_adoption", "engagement", "achievement"]


class MilestoneDefinition(StrictModel):
    """Reached by `event` (+ `where`) as a shorthand, or by a `when` condition; after `requires`."""

    key: Identifier
    title: str = Field(min_length=1, max_length=200)
    category: MilestoneCategory = "onboarding"
    event: str | None = Field(default=None, min_length=1, max_length=200)
    where: dict[str, PropertyValue] = Field(default_factory=dict)
    when: Condition | None = None
    requires: list[Identifier] = Field(
        default_factory=list, description="Milestones that must be reached first."
    )
    points: int = Field(default=10, ge=0, le=10_000)
    due_day: int | None = Field(default=None, ge=0, le=3650)
    required: bool = True
    hint: str = Field(default="", max_length=1000, description="What to tell a late customer.")

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        if (self.event is None) == (self.when is None):
            raise ValueError("a milestone needs exactly one of 'event' or 'when'")
        if self.when is not None and self.where:
            raise ValueError("'where' goes with 'event'; inside 'when' put it on the event")
        return self

    @property
    def condition(self) -> Condition:
        if self.when is not None:
            return self.when
        return EventCondition(event=self.event or "", where=self.where)


class HealthWeights(StrictModel):
    usage: float = Field(default=30, ge=0)
    feature_adoption: float = Field(default=25, ge=0)
    engagement: float = Field(default=20, ge=0)
    support: float = Field(default=15, ge=0)
    payment: float = Field(default=10, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one health weight must be positive")
        return self


class RiskThresholds(StrictModel):
    """Score at or above `healthy` is healthy, at or above `watch` is watch, below is at risk."""

    healthy: float = Field(default=70, ge=0, le=100)
    watch: float = Field(default=40, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.watch > self.healthy:
            raise ValueError("watch threshold must not exceed healthy threshold")
        return self


class UsageSignals(StrictModel):
    """Which product events count as usage, and what full usage looks like per plan."""

    events: list[str] = Field(
        default_factory=list, description="Event names that count; empty means every product event."
    )
    target_active_share: float = Field(default=0.5, gt=0, le=1)
    baseline_events: dict[str, float] = Field(
        default_factory=lambda: {"default": 100.0},
        description="Events per window that count as full volume, per plan (key 'default').",
    )

    def baseline_for(self, plan: str | None) -> float:
        return self.baseline_events.get(plan or "", self.baseline_events.get("default", 100.0))


class EngagementSignals(StrictModel):
    reply_events: list[str] = Field(default_factory=lambda: ["email.replied"])
    target_distinct_features: int = Field(default=6, ge=1)
    target_events_per_active_day: float = Field(default=5.0, gt=0)


class SupportSignals(StrictModel):
    ticket_penalty: float = Field(default=15.0, ge=0, description="Per ticket above baseline.")
    urgent_penalty: float = Field(default=25.0, ge=0, description="Per open urgent ticket.")
    sentiment_penalty: float = Field(default=20.0, ge=0, description="At sentiment -1.")


class PaymentSignals(StrictModel):
    window_days: int = Field(default=90, ge=1, le=730)
    downgrade_penalty: float = Field(default=30.0, ge=0)


class EarlyWarningConfig(StrictModel):
    drop_points: float = Field(default=15.0, gt=0)
    window_days: int = Field(default=14, ge=1)
    declining_checks: int = Field(default=3, ge=2)
    min_decline_points: float = Field(
        default=10.0, ge=0, description="A run of declines warns only if it adds up to this much."
    )


class HealthConfig(StrictModel):
    normalisation: Literal["thresholds", "cohort_percentile"] = Field(
        default="thresholds",
        description="Component scores from documented thresholds, or as the percentile of the "
        "raw component within the customer's cohort (from the last portfolio run).",
    )
    cohort_by: Literal["segment", "industry", "plan", "tenant"] = "segment"
    weights: HealthWeights = HealthWeights()
    segment_weights: dict[str, HealthWeights] = Field(
        default_factory=dict, description="Weights that replace the defaults for a segment."
    )
    risk: RiskThresholds = RiskThresholds()
    hysteresis_points: float = Field(
        default=5.0, ge=0, le=50, description="How far past a boundary a score must go to move."
    )
    early_warning: EarlyWarningConfig = EarlyWarningConfig()
    key_features: list[str] = Field(
        default_factory=list, description="Event names that count as using a key feature."
    )
    window_days: int = Field(default=30, ge=1, le=365)
    recency_half_life_days: float = Field(default=14.0, gt=0)
    rescore_after_events: list[str] = Field(
        default_factory=lambda: [
            "support.ticket_opened",
            "invoice.failed",
            "subscription.downgraded",
        ],
        description="Events after which a journey re-scores without waiting for its check-in.",
    )
    rescore_debounce_minutes: int = Field(
        default=60, ge=0, le=24 * 60, description="One re-score for a burst of such events."
    )
    usage: UsageSignals = UsageSignals()
    engagement: EngagementSignals = EngagementSignals()
    support: SupportSignals = SupportSignals()
    payment: PaymentSignals = PaymentSignals()

    def weights_for(self, segment: str | None) -> HealthWeights:
        return self.segment_weights.get(segment or "", self.weights)


class Level(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    points: int = Field(ge=0)


class Badge(StrictModel):
    """Earned when every listed milestone is reached (within `within_days` of signup, if set)."""

    key: Identifier
    title: str = Field(min_length=1, max_length=200)
    milestones: list[Identifier] = Field(min_length=1)
    within_days: int | None = Field(default=None, ge=0)
    points: int = Field(default=0, ge=0)


class StreakBonus(StrictModel):
    length: int = Field(ge=2)
    points: int = Field(ge=0)


class StreakConfig(StrictModel):
    """Consecutive active days (or weeks) on the customer's local calendar."""

    unit: Literal["day", "week"] = "day"
    bonuses: list[StreakBonus] = Field(default_factory=list)


class Rewards(StrictModel):
    levels: list[Level] = Field(default_factory=lambda: [Level(name="Starter", points=0)])
    badges: list[Badge] = Field(default_factory=list)
    streaks: StreakConfig = StreakConfig()

    @model_validator(mode="after")
    def _levels_ascend(self) -> Self:
        thresholds = [level.points for level in self.levels]
        if not thresholds or thresholds[0] != 0 or sorted(set(thresholds)) != thresholds:
            raise ValueError("levels must start at 0 points and strictly ascend")
        return self


class NudgeConfig(StrictModel):
    email_template: str = "milestone_overdue"
    inapp_template: str = "milestone_overdue"


class Playbook(StrictModel):
    name: Identifier
    description: str = ""
    milestones: list[MilestoneDefinition] = Field(min_length=1, max_length=60)
    activation_milestone: Identifier
    checkin_days: list[int] = Field(default=[1, 3, 7, 14, 30], min_length=1)
    recurring_checkin_days: int = Field(
        default=30, ge=1, le=365, description="Cadence of check-ins after the last scheduled one."
    )
    stuck_after_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="Days without a milestone after which a journey is stuck.",
    )
    time_to_value_milestone: Identifier | None = Field(
        default=None, description="Milestone that marks first value; default: the activation one."
    )
    stall_after_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="Days without any event after which a late customer stalls.",
    )
    health: HealthConfig = HealthConfig()
    nudges: NudgeConfig = NudgeConfig()
    rewards: Rewards = Rewards()
    engagement: Engagement = Engagement()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        keys = [m.key for m in self.milestones]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"milestone keys must be unique, repeated: {', '.join(duplicates)}")
        for milestone in self.milestones:
            unknown = sorted(set(milestone.requires) - set(keys))
            if unknown:
                raise ValueError(f"milestone {milestone.key!r} requires unknown {unknown}")
        for badge in self.rewards.badges:
            unknown = sorted(set(badge.milestones) - set(keys))
            if unknown:
                raise ValueError(f"badge {badge.key!r} names unknown milestones {unknown}")
        if _has_cycle({m.key: m.requires for m in self.milestones}):
            raise ValueError("milestone prerequisites form a cycle")
        if self.time_to_value_milestone is not None and self.time_to_value_milestone not in keys:
            raise ValueError(
                f"time_to_value_milestone {self.time_to_value_milestone!r} is not a milestone"
            )
        if self.activation_milestone not in keys:
            raise ValueError(
                f"activation_milestone {self.activation_milestone!r} is not one of the milestones"
            )
        _check_triggers(self.engagement, set(keys))
        if any(day < 0 for day in self.checkin_days):
            raise ValueError("checkin_days must not be negative")
        if sorted(set(self.checkin_days)) != self.checkin_days:
            raise ValueError("checkin_days must be strictly increasing")
        return self

    def milestone(self, key: str) -> MilestoneDefinition | None:
        return next((m for m in self.milestones if m.key == key), None)

    @property
    def version(self) -> str:
        """Content hash: the same rules give the same version whatever the YAML formatting."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


STAGES = frozenset({"signed_up", "onboarding", "activated", "graduated", "stalled"})
RISK_LEVELS = frozenset({"healthy", "watch", "at_risk"})


def _check_triggers(engagement: Engagement, milestones: set[str]) -> None:
    """Triggers may only name milestones, stages and risk levels that exist."""
    for trigger in engagement.triggers:
        named = [trigger.goal.milestone if trigger.goal else None]
        state = trigger.when.state
        if state is not None:
            named.append(state.milestone)
            allowed = STAGES if state.change == "stage_changed" else RISK_LEVELS
            if state.to is not None and state.to not in allowed:
                raise ValueError(f"trigger {trigger.key!r}: 'to' must be one of {sorted(allowed)}")
        unknown = sorted({m for m in named if m is not None} - milestones)
        if unknown:
            raise ValueError(f"trigger {trigger.key!r} names unknown milestones {unknown}")


def _has_cycle(requires: dict[str, list[str]]) -> bool:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(key: str) -> bool:
        if key in done:
            return False
        if key in visiting:
            return True
        visiting.add(key)
        cyclic = any(visit(dependency) for dependency in requires.get(key, []))
        visiting.discard(key)
        done.add(key)
        return cyclic

    return any(visit(key) for key in requires)


class PlaybookRef(StrictModel):
    """How a workflow names the playbook it runs: never the content itself."""

    name: str
    version: str
