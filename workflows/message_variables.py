"""What trigger conditions and message templates can name about a journey.

Pure: the journey computes them from its own state, the template preview from the journey's
snapshot, so a preview shows exactly what the customer would get.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from models.health import HealthScoreResult
from models.playbook import MilestoneDefinition, Playbook
from workflows import rewards


def next_step(playbook: Playbook, achieved: Collection[str]) -> MilestoneDefinition | None:
    """The first milestone not reached whose prerequisites are: what to ask the customer for."""
    for milestone in playbook.milestones:
        if milestone.key not in achieved and all(key in achieved for key in milestone.requires):
            return milestone
    return None


def journey_variables(
    playbook: Playbook,
    achieved: Collection[str],
    points: int,
    stage: str,
    score: HealthScoreResult | None,
) -> dict[str, Any]:
    step = next_step(playbook, achieved)
    return {
        "stage": stage,
        "points": points,
        "level": rewards.level_for(playbook.rewards, points)[0].name,
        "done_count": len(achieved),
        "total_count": len(playbook.milestones),
        "risk_level": score.risk_level.value if score else "unknown",
        "health_score": score.score if score else None,
        "next_step": step.title if step else "You are all set",
        "next_hint": step.hint if step else "",
    }


def milestone_variables(milestone: MilestoneDefinition) -> dict[str, Any]:
    return {
        "key": milestone.key,
        "title": milestone.title,
        "hint": milestone.hint,
        "category": milestone.category,
        "points": milestone.points,
        "due_day": milestone.due_day,
        "required": milestone.required,
    }
