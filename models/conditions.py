"""Milestone conditions: event leaves (count, distinct values, a CEL predicate) combined with
all-of / any-of / in-order sequences. Expressions are compiled when the playbook is loaded, so
a typo fails the playbook, not a customer."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.expressions import check_expression

PropertyValue = str | int | float | bool
CONDITION_VARIABLES = frozenset({"event"})


class StrictCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EventCondition(StrictCondition):
    """Reached when `count` matching events were seen (or `count` distinct values of a property)."""

    event: str = Field(min_length=1, max_length=200)
    where: dict[str, PropertyValue] = Field(default_factory=dict)
    if_: str | None = Field(default=None, alias="if", max_length=2000)
    count: int = Field(default=1, ge=1, le=1_000_000)
    distinct: str | None = Field(
        default=None, description="Count distinct values of this property instead of events."
    )

    @model_validator(mode="after")
    def _expression_compiles(self) -> Self:
        if self.if_ is not None:
            try:
                check_expression(self.if_, CONDITION_VARIABLES)
            except ValueError as err:
                raise ValueError(f"'if': {err}") from None
        return self


class CompositeCondition(StrictCondition):
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    sequence: list[Condition] | None = Field(default=None, description="In this order.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [name for name in ("all", "any", "sequence") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a composite condition needs exactly one of all, any, sequence")
        if not self.children:
            raise ValueError(f"'{given[0]}' needs at least one condition")
        return self

    @property
    def kind(self) -> str:
        return "all" if self.all is not None else "any" if self.any is not None else "sequence"

    @property
    def children(self) -> list[Condition]:
        return self.all or self.any or self.sequence or []


Condition = EventCondition | CompositeCondition
CompositeCondition.model_rebuild()
