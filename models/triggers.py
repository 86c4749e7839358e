"""Engagement triggers in the playbook: when, if, then, with guardrails and experiments.

Checked when the playbook loads: CEL conditions compile and name only known variables, times
and weekdays parse, weights are positive, keys are unique. Templates are checked separately
against the template directory (`core/template_check.py`).
"""

from __future__ import annotations

from datetime import time
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.expressions import check_expression

Channel = Literal["email", "slack", "webhook", "inapp", "task"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
StateChange = Literal[
    "milestone_achieved", "milestone_overdue", "inactive", "risk_changed", "stage_changed"
]
TRIGGER_VARIABLES = frozenset({"event", "customer", "state"})


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Schedule(StrictModel):
    """Day offsets from signup (at the signup time of day), or a local time on weekdays."""

    days_after_signup: list[int] | None = Field(default=None, min_length=1)
    local_time: time | None = None
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.days_after_signup is None) == (self.local_time is None):
            raise ValueError("a schedule needs exactly one of days_after_signup or local_time")
        days = self.days_after_signup or []
        if any(day < 0 or day > 3650 for day in days) or sorted(set(days)) != days:
            raise ValueError("days_after_signup must be increasing days between 0 and 3650")
        if not self.weekdays:
            raise ValueError("weekdays must name at least one day")
        return self


class StateWhen(StrictModel):
    """A change in the journey: a milestone reached or overdue, quiet for N days, a new risk
    level or stage. `milestone` / `to` narrow it; `days` is required for `inactive`."""

    change: StateChange
    milestone: str | None = None
    to: str | None = None
    days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.change == "inactive") != (self.days is not None):
            raise ValueError("'days' goes with (and only with) change: inactive")
        if self.milestone is not None and not self.change.startswith("milestone_"):
            raise ValueError("'milestone' goes with milestone_achieved or milestone_overdue")
        if self.to is not None and self.change not in ("risk_changed", "stage_changed"):
            raise ValueError("'to' goes with risk_changed or stage_changed")
        return self


class When(StrictModel):
    event: str | None = Field(default=None, min_length=1, max_length=200)
    schedule: Schedule | None = None
    state: StateWhen | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [name for name in ("event", "schedule", "state") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("'when' needs exactly one of event, schedule, state")
        return self

    @property
    def kind(self) -> Literal["event", "schedule", "state"]:
        return "event" if self.event else "schedule" if self.schedule else "state"


class Action(StrictModel):
    """One message on one channel, rendered from `templates/<channel>/<template>.*.j2`."""

    channel: Channel
    template: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    due_hours: int | None = Field(
        default=None, ge=1, le=24 * 30, description="Task only: SLA before it escalates."
    )

    @model_validator(mode="after")
    def _task_fields(self) -> Self:
        if self.due_hours is not None and self.channel != "task":
            raise ValueError("'due_hours' is for the task channel")
        return self


class Goal(StrictModel):
    """What the trigger is for: reaching it stops the sequence and counts as a conversion."""

    milestone: str | None = None
    event: str | None = None
    within_days: int = Field(default=14, ge=1, le=365, description="Conversion window.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.milestone is None) == (self.event is None):
            raise ValueError("a goal needs exactly one of milestone or event")
        return self


class WaitStep(StrictModel):
    """After the trigger's actions, wait for any of these events (the event's own signal resumes
    the journey) or the timeout, then send the branch that happened."""

    any_of: list[str] = Field(min_length=1, max_length=20)
    timeout_hours: float = Field(gt=0, le=24 * 90)
    on_event: list[Action] = Field(default_factory=list)
    on_timeout: list[Action] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_branch(self) -> Self:
        if not self.on_event and not self.on_timeout:
            raise ValueError("a wait needs on_event or on_timeout actions (or both)")
        return self


class Variant(StrictModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    weight: float = Field(default=1.0, gt=0, le=1000)
    then: list[Action] = Field(min_length=1)


class Experiment(StrictModel):
    """Variants by weight, plus a holdout share that gets nothing (the baseline for lift)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    holdout: float = Field(default=0.1, ge=0, lt=1)
    variants: list[Variant] = Field(min_length=1)
    min_sample: int = Field(default=100, ge=1, description="Per arm, before a verdict.")

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys) or "holdout" in keys:
            raise ValueError("variant keys must be unique and not 'holdout'")
        return self


class Trigger(StrictModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    when: When
    if_: str | None = Field(default=None, alias="if", max_length=2000)
    then: list[Action] = Field(default_factory=list)
    experiment: Experiment | None = None
    cooldown_hours: float = Field(default=0, ge=0, le=24 * 365)
    max_sends: int | None = Field(default=None, ge=1, le=1000)
    priority: int = Field(default=5, ge=1, le=10, description="1 is the most important.")
    when_capped: Literal["defer", "drop"] = Field(
        default="defer", description="What a frequency cap does to this trigger's messages."
    )
    goal: Goal | None = None
    wait: WaitStep | None = None
    category: str = Field(
        default="onboarding",
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=64,
        description="What customers subscribe to or unsubscribe from, per channel.",
    )

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.if_ is not None:
            try:
                check_expression(self.if_, TRIGGER_VARIABLES)
            except ValueError as err:
                raise ValueError(f"'if': {err}") from None
        if bool(self.then) == (self.experiment is not None):
            raise ValueError("a trigger needs exactly one of 'then' or 'experiment'")
        if self.experiment is not None and self.goal is None:
            raise ValueError("an experiment needs a goal to measure conversion")
        return self

    def all_actions(self) -> list[Action]:
        """Every action the trigger may send, in any variant or branch (for template checks)."""
        actions = list(self.then)
        if self.experiment is not None:
            actions += [a for variant in self.experiment.variants for a in variant.then]
        if self.wait is not None:
            actions += self.wait.on_event + self.wait.on_timeout
        return actions

    def actions(self, variant: str | None) -> list[Action]:
        """What to send: the trigger's actions, or the assigned variant's (holdout: nothing)."""
        if self.experiment is None:
            return list(self.then)
        chosen = next((v for v in self.experiment.variants if v.key == variant), None)
        return list(chosen.then) if chosen else []


class FrequencyCap(StrictModel):
    channel: Channel | Literal["any"] = "any"
    max: int = Field(ge=1, le=1000)
    per: Literal["day", "week"]


class QuietHours(StrictModel):
    """Local wall-clock hours with no messages to the customer (staff tasks and Slack alerts
    still go)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class Guardrails(StrictModel):
    caps: list[FrequencyCap] = Field(
        default_factory=lambda: [
            FrequencyCap(channel="email", max=1, per="day"),
            FrequencyCap(channel="email", max=3, per="week"),
            FrequencyCap(channel="any", max=3, per="day"),
        ]
    )
    quiet_hours: QuietHours | None = QuietHours()


class Engagement(StrictModel):
    triggers: list[Trigger] = Field(default_factory=list)
    guardrails: Guardrails = Guardrails()

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [t.key for t in self.triggers]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"trigger keys must be unique, repeated: {', '.join(repeated)}")
        experiments = [t.experiment.key for t in self.triggers if t.experiment]
        if len(set(experiments)) != len(experiments):
            raise ValueError("experiment keys must be unique")
        return self
