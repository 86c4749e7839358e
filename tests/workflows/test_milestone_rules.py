"""Milestone conditions: counts, distinct values, CEL, all/any/sequence, prerequisites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.playbooks import PlaybookError, parse_playbook
from models.journey import Achievement, MilestoneProgress, ProductEvent
from models.playbook import Playbook
from tests.factories import product_event
from workflows import journey, milestone_rules

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)


def playbook(*milestones: dict[str, Any]) -> Playbook:
    return parse_playbook(
        {
            "name": "test",
            "activation_milestone": milestones[0]["key"],
            "milestones": list(milestones),
        },
        "test",
    )


class Journey:
    """Feeds events one by one, remembering achievements and progress like the workflow."""

    def __init__(self, rules: Playbook) -> None:
        self.rules = rules
        self.achievements: dict[str, Achievement] = {}
        self.progress: dict[str, MilestoneProgress] = {}
        self.minute = 0

    def send(self, name: str, **properties: Any) -> list[str]:
        self.minute += 1
        event = product_event(
            name, T0 + timedelta(minutes=self.minute), f"e{self.minute}", **properties
        )
        reached = milestone_rules.advance(self.rules, self.achievements, self.progress, event)
        for achievement in reached:
            self.achievements[achievement.milestone_key] = achievement
        return [a.milestone_key for a in reached]

    def fraction(self, key: str) -> float:
        milestone = self.rules.milestone(key)
        assert milestone is not None
        return journey.milestone_fraction(milestone, self.achievements, self.progress)


def test_count_threshold_with_progress() -> None:
    j = Journey(
        playbook(
            {
                "key": "three",
                "title": "3 projects",
                "when": {"event": "project.created", "count": 3},
            }
        )
    )
    assert j.send("project.created") == [] and j.fraction("three") == pytest.approx(1 / 3)
    assert j.send("project.created") == [] and j.fraction("three") == pytest.approx(2 / 3)
    assert j.send("project.created") == ["three"] and j.fraction("three") == 1.0
    assert j.send("project.created") == []


def test_distinct_values_of_a_property() -> None:
    j = Journey(
        playbook(
            {
                "key": "explorer",
                "title": "Use 4 features",
                "when": {"event": "feature.used", "distinct": "feature", "count": 4},
            }
        )
    )
    for feature in ["search", "search", "export", "share"]:
        assert j.send("feature.used", feature=feature) == []
    assert j.fraction("explorer") == 0.75
    assert j.send("feature.used") == []  # no value: not counted
    assert j.send("feature.used", feature="invite") == ["explorer"]


def test_cel_predicate_on_event_properties() -> None:
    j = Journey(
        playbook(
            {
                "key": "big_import",
                "title": "Import 1,000 rows",
                "when": {"event": "import.finished", "if": "event.properties.rows >= 1000"},
            }
        )
    )
    assert j.send("import.finished", rows=10) == []
    assert j.send("import.finished") == []  # property missing: false, not an error
    assert j.send("import.finished", rows="lots") == []  # wrong type: false
    assert j.send("import.finished", rows=1500) == ["big_import"]


def test_all_any_and_sequence() -> None:
    rules = playbook(
        {
            "key": "setup",
            "title": "Set up",
            "when": {"all": [{"event": "a"}, {"any": [{"event": "b"}, {"event": "c"}]}]},
        },
        {
            "key": "funnel",
            "title": "In order",
            "when": {"sequence": [{"event": "x"}, {"event": "y"}, {"event": "z"}]},
        },
    )
    j = Journey(rules)
    assert j.send("c") == [] and j.fraction("setup") == 0.5
    assert j.send("a") == ["setup"]
    assert j.send("y") == []  # out of order: the sequence is still waiting for x
    assert j.fraction("funnel") == 0.0
    assert j.send("x") == [] and j.send("z") == []
    assert j.fraction("funnel") == pytest.approx(1 / 3)
    assert j.send("y") == [] and j.send("z") == ["funnel"]


def test_prerequisites_hold_a_milestone_until_they_are_met() -> None:
    rules = playbook(
        {"key": "first_project", "title": "Project", "event": "project.created"},
        {
            "key": "shared",
            "title": "Share",
            "event": "project.shared",
            "requires": ["first_project"],
        },
        {"key": "both", "title": "Both", "event": "project.created", "requires": ["first_project"]},
    )
    j = Journey(rules)
    assert j.send("project.shared") == []  # condition met, prerequisite not
    # One event reaches the prerequisite, then what waited on it, in order.
    assert j.send("project.created") == ["first_project", "shared", "both"]


def test_categories_and_onboarding_percent() -> None:
    rules = playbook(
        {"key": "a", "title": "A", "event": "a", "category": "onboarding"},
        {"key": "b", "title": "B", "when": {"event": "b", "count": 4}, "category": "onboarding"},
        {"key": "c", "title": "C", "event": "c", "category": "engagement", "required": False},
    )
    j = Journey(rules)
    j.send("a")
    j.send("b")
    onboarding, categories = journey.progress_summary(rules, j.achievements, j.progress)
    assert onboarding == 62.5  # (1 + 1/4) / 2 required milestones
    assert categories == {"onboarding": 62.5, "engagement": 0.0}


@pytest.mark.parametrize(
    ("milestone", "message"),
    [
        (
            {"key": "m", "title": "M", "when": {"event": "e", "if": "event.properties.x >"}},
            "not a valid CEL expression",
        ),
        (
            {"key": "m", "title": "M", "when": {"event": "e", "if": "customer.plan == 'x'"}},
            "unknown variables ['customer']",
        ),
        (
            {"key": "m", "title": "M", "event": "e", "when": {"event": "e"}},
            "exactly one of 'event' or 'when'",
        ),
        ({"key": "m", "title": "M", "when": {"all": []}}, "'all' needs at least one condition"),
        (
            {"key": "m", "title": "M", "when": {"all": [{"event": "a"}], "any": [{"event": "b"}]}},
            "exactly one of all, any, sequence",
        ),
        (
            {"key": "m", "title": "M", "event": "e", "requires": ["ghost"]},
            "requires unknown ['ghost']",
        ),
    ],
)
def test_bad_conditions_fail_the_playbook_with_the_reason(
    milestone: dict[str, Any], message: str
) -> None:
    with pytest.raises(PlaybookError, match=message.replace("[", r"\[").replace("]", r"\]")):
        playbook(milestone)


def test_prerequisite_cycles_are_rejected() -> None:
    with pytest.raises(PlaybookError, match="prerequisites form a cycle"):
        playbook(
            {"key": "a", "title": "A", "event": "a", "requires": ["b"]},
            {"key": "b", "title": "B", "event": "b", "requires": ["a"]},
        )


def test_product_event_helper_is_the_workflow_payload() -> None:
    assert isinstance(product_event("x", T0), ProductEvent)
