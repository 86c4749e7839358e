"""Editing a playbook's milestones: each edit yields a whole new, fully validated playbook.

Pure functions; the API stores the result as a new version. An edit that would leave the
playbook inconsistent (an unknown prerequisite, a cycle, a badge or the activation milestone
pointing at a removed key) is refused with the reason, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from core.playbooks import PlaybookError, parse_playbook
from models.playbook import MilestoneDefinition, Playbook


class MilestoneNotFound(LookupError):
    pass


class MilestoneConflict(ValueError):
    """The edit clashes with the current definitions (a key in use, a key others depend on)."""


def _rebuild(playbook: Playbook, milestones: list[MilestoneDefinition]) -> Playbook:
    data: dict[str, Any] = playbook.model_dump(mode="json", by_alias=True)
    data["milestones"] = [m.model_dump(mode="json", by_alias=True) for m in milestones]
    try:
        return parse_playbook(data, f"playbook {playbook.name!r}")
    except PlaybookError as err:
        raise ValueError(str(err)) from None


def add_milestone(
    playbook: Playbook, milestone: MilestoneDefinition, after: str | None = None
) -> Playbook:
    """Append the milestone, or insert it right after `after`."""
    if playbook.milestone(milestone.key) is not None:
        raise MilestoneConflict(f"milestone {milestone.key!r} already exists; PUT changes it")
    milestones = list(playbook.milestones)
    if after is None:
        milestones.append(milestone)
    else:
        index = _index(playbook, after)
        milestones.insert(index + 1, milestone)
    return _rebuild(playbook, milestones)


def replace_milestone(playbook: Playbook, key: str, milestone: MilestoneDefinition) -> Playbook:
    if milestone.key != key:
        raise MilestoneConflict(
            f"the body's key {milestone.key!r} differs from {key!r} in the path; "
            "a key cannot be renamed (add a new milestone and remove the old one)"
        )
    milestones = list(playbook.milestones)
    milestones[_index(playbook, key)] = milestone
    updated = _rebuild(playbook, milestones)
    if updated.version == playbook.version:
        raise MilestoneConflict(f"milestone {key!r} already has this definition; nothing changed")
    return updated


def remove_milestone(playbook: Playbook, key: str) -> Playbook:
    _index(playbook, key)
    dependants = [m.key for m in playbook.milestones if key in m.requires]
    if dependants:
        raise MilestoneConflict(
            f"milestone {key!r} is required by {dependants}; change those first"
        )
    badges = [b.key for b in playbook.rewards.badges if key in b.milestones]
    if badges:
        raise MilestoneConflict(f"milestone {key!r} is part of badges {badges}; change those first")
    if key in (playbook.activation_milestone, playbook.time_to_value_milestone):
        raise MilestoneConflict(
            f"milestone {key!r} marks activation or time to value; it cannot be removed"
        )
    if len(playbook.milestones) == 1:
        raise MilestoneConflict("a playbook needs at least one milestone")
    return _rebuild(playbook, [m for m in playbook.milestones if m.key != key])


def _index(playbook: Playbook, key: str) -> int:
    for index, milestone in enumerate(playbook.milestones):
        if milestone.key == key:
            return index
    raise MilestoneNotFound(f"no milestone {key!r} in playbook {playbook.name!r}")
