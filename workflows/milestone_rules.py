"""Milestone conditions, evaluated event by event; pure and deterministic (CEL included).

Progress lives in `MilestoneProgress` (carried by the workflow): per leaf of the condition tree,
how many matching events or which distinct values were seen. A leaf is addressed by its path in
the tree ("" for a plain milestone, "0", "1.2", ... inside composites).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from functools import lru_cache
from typing import Any

import cel

from models.conditions import CompositeCondition, Condition, EventCondition
from models.journey import Achievement, LeafProgress, MilestoneProgress, ProductEvent
from models.playbook import Playbook


@lru_cache(maxsize=1024)
def _program(expression: str) -> Any:
    return cel.compile(expression)


def leaf_matches(leaf: EventCondition, event: ProductEvent) -> bool:
    if event.name != leaf.event:
        return False
    if any(event.properties.get(k, _MISSING) != v for k, v in leaf.where.items()):
        return False
    if leaf.if_ is None:
        return True
    context = {
        "event": {
            "name": event.name,
            "properties": event.properties,
            "occurred_at": event.occurred_at.isoformat(),
        }
    }
    try:
        return _program(leaf.if_).execute(context) is True
    except (KeyError, RuntimeError, TypeError, ValueError):
        return False  # a property the expression needs is missing or of another type


_MISSING = object()


def _child(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


def _seen(leaf: EventCondition, progress: LeafProgress) -> int:
    return len(progress.values) if leaf.distinct else progress.count


def is_done(condition: Condition, path: str, progress: MilestoneProgress) -> bool:
    if isinstance(condition, EventCondition):
        return _seen(condition, progress.leaves.get(path, LeafProgress())) >= condition.count
    results = [is_done(c, _child(path, i), progress) for i, c in enumerate(condition.children)]
    return any(results) if condition.kind == "any" else all(results)


def fraction(condition: Condition, path: str, progress: MilestoneProgress) -> float:
    """0–1: how far along the condition is (2 of 3 projects → 0.67)."""
    if isinstance(condition, EventCondition):
        seen = _seen(condition, progress.leaves.get(path, LeafProgress()))
        return min(1.0, seen / condition.count)
    parts = [fraction(c, _child(path, i), progress) for i, c in enumerate(condition.children)]
    return max(parts) if condition.kind == "any" else sum(parts) / len(parts)


def feed(condition: Condition, path: str, progress: MilestoneProgress, event: ProductEvent) -> None:
    """Count the event toward every leaf it matches (a sequence only toward its current step)."""
    if isinstance(condition, EventCondition):
        leaf = progress.leaves.setdefault(path, LeafProgress())
        if _seen(condition, leaf) >= condition.count or not leaf_matches(condition, event):
            return
        if condition.distinct is None:
            leaf.count += 1
        else:
            value = event.properties.get(condition.distinct)
            if value is not None and str(value) not in leaf.values:
                leaf.values.append(str(value))
        return
    assert isinstance(condition, CompositeCondition)
    for index, child in enumerate(condition.children):
        child_path = _child(path, index)
        if condition.kind == "sequence" and not is_done(child, child_path, progress):
            feed(child, child_path, progress, event)
            return  # later steps wait until this one is done
        feed(child, child_path, progress, event)


def advance(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    progress: MutableMapping[str, MilestoneProgress],
    event: ProductEvent,
) -> list[Achievement]:
    """Feed the event to every open milestone; return those now reached (prerequisites first)."""
    open_milestones = [m for m in playbook.milestones if m.key not in achievements]
    for milestone in open_milestones:
        feed(
            milestone.condition, "", progress.setdefault(milestone.key, MilestoneProgress()), event
        )
    reached: list[Achievement] = []
    done = set(achievements)
    changed = True
    while changed:  # a milestone unlocked by a prerequisite reached by this same event
        changed = False
        for milestone in open_milestones:
            if milestone.key in done or not set(milestone.requires) <= done:
                continue
            if is_done(milestone.condition, "", progress.get(milestone.key, MilestoneProgress())):
                reached.append(
                    Achievement(
                        milestone_key=milestone.key,
                        achieved_at=event.occurred_at,
                        event_id=event.event_id,
                        points=milestone.points,
                    )
                )
                done.add(milestone.key)
                changed = True
    return reached
