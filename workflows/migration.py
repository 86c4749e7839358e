"""Moving a journey from one playbook version to another without losing progress.

Pure and deterministic: the dry-run (API) and the migration activity call the same planner.

Rules: an achievement is never taken away (a milestone the new version drops keeps its points);
progress toward an unreached milestone whose condition did not change carries over as is; a new
or changed milestone is evaluated afresh over the customer's event log, so a customer who already
created three projects reaches a new "create 3 projects" milestone at the time of the third.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from models.journey import Achievement, MilestoneProgress, ProductEvent
from models.playbook import MilestoneDefinition, Playbook
from workflows.milestone_rules import advance


class MigrationPlan(BaseModel):
    """What moving one journey to the new version changes."""

    added: list[str] = Field(default_factory=list, description="Milestones new in the version.")
    removed: list[str] = Field(
        default_factory=list, description="Milestones the version drops (reached ones keep points)."
    )
    changed: list[str] = Field(default_factory=list, description="Same key, new definition.")
    newly_reached: list[Achievement] = Field(
        default_factory=list, description="Reached at once from the customer's past events."
    )
    progress: dict[str, MilestoneProgress] = Field(
        default_factory=dict, description="Progress the journey carries on the new version."
    )


def changed_keys(old: Playbook, new: Playbook) -> tuple[list[str], list[str], list[str]]:
    """Added, removed and redefined milestone keys, in playbook order."""
    before = {m.key: m for m in old.milestones}
    after = {m.key: m for m in new.milestones}
    added = [key for key in after if key not in before]
    removed = [key for key in before if key not in after]
    changed = [key for key in after if key in before and _rule(before[key]) != _rule(after[key])]
    return added, removed, changed


def _rule(milestone: MilestoneDefinition) -> tuple[object, ...]:
    """What decides when a milestone is reached (title, hint and points do not)."""
    return (milestone.condition.model_dump(mode="json"), tuple(milestone.requires))


def replay_progress(
    playbook: Playbook,
    achievements: Mapping[str, Achievement],
    events: Iterable[ProductEvent],
) -> dict[str, MilestoneProgress]:
    """Progress toward the unreached milestones, rebuilt from the event log."""
    reached = dict(achievements)
    progress: dict[str, MilestoneProgress] = {}
    for event in events:
        for achievement in advance(playbook, reached, progress, event):
            reached[achievement.milestone_key] = achievement
    return {key: value for key, value in progress.items() if key not in achievements}


def plan_migration(
    old: Playbook,
    new: Playbook,
    achievements: Mapping[str, Achievement],
    progress: Mapping[str, MilestoneProgress],
    events: Iterable[ProductEvent],
) -> MigrationPlan:
    """Keep what is reached, carry unchanged progress, re-evaluate new and changed milestones."""
    added, removed, changed = changed_keys(old, new)
    fresh = set(added) | set(changed)
    carried = {
        key: value.model_copy(deep=True)
        for key, value in progress.items()
        if key not in fresh and new.milestone(key) is not None and key not in achievements
    }
    reevaluated = [m for m in new.milestones if m.key in fresh and m.key not in achievements]
    newly_reached: list[Achievement] = []
    if reevaluated:
        # Only the re-evaluated milestones see the past events: the others already counted them.
        subset = new.model_copy(update={"milestones": reevaluated})
        reached = dict(achievements)
        fresh_progress: dict[str, MilestoneProgress] = {}
        for event in events:
            for achievement in advance(subset, reached, fresh_progress, event):
                reached[achievement.milestone_key] = achievement
                newly_reached.append(achievement)
        carried.update({key: value for key, value in fresh_progress.items() if key not in reached})
    return MigrationPlan(
        added=added,
        removed=removed,
        changed=changed,
        newly_reached=newly_reached,
        progress=carried,
    )
