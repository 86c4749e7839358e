"""Trigger definitions are checked when the playbook loads, with the reason spelled out."""

from __future__ import annotations

from typing import Any

import pytest

from core.playbooks import PlaybookError, parse_playbook
from tests.factories import default_playbook

BASE = default_playbook().model_dump(mode="json", by_alias=True)
WELCOME: dict[str, Any] = {
    "key": "welcome",
    "when": {"schedule": {"days_after_signup": [0, 1, 3, 7]}},
    "then": [{"channel": "email", "template": "welcome"}],
    "goal": {"milestone": "first_project"},
}


def with_triggers(*triggers: dict[str, Any], **guardrails: Any) -> dict[str, Any]:
    engagement: dict[str, Any] = {"triggers": list(triggers)}
    if guardrails:
        engagement["guardrails"] = guardrails
    return {**BASE, "engagement": engagement}


def test_the_five_kinds_of_trigger_load() -> None:
    playbook = parse_playbook(
        with_triggers(
            WELCOME,
            {
                "key": "adoption",
                "when": {"state": {"change": "milestone_overdue"}},
                "if": "state.milestone.required",
                "then": [{"channel": "inapp", "template": "milestone_overdue"}],
                "cooldown_hours": 72,
            },
            {
                "key": "reengage_7",
                "when": {"state": {"change": "inactive", "days": 7}},
                "then": [{"channel": "email", "template": "we_miss_you"}],
                "when_capped": "drop",
            },
            {
                "key": "at_risk",
                "when": {"state": {"change": "risk_changed", "to": "at_risk"}},
                "then": [
                    {"channel": "task", "template": "at_risk_call", "due_hours": 24},
                    {"channel": "slack", "template": "at_risk_alert"},
                ],
                "priority": 1,
            },
            {
                "key": "weekly_tips",
                "when": {"schedule": {"local_time": "10:00", "weekdays": ["tue"]}},
                "if": "customer.plan == 'team'",
                "experiment": {
                    "key": "tips_copy",
                    "holdout": 0.1,
                    "variants": [
                        {"key": "a", "then": [{"channel": "email", "template": "tips_a"}]},
                        {"key": "b", "then": [{"channel": "email", "template": "tips_b"}]},
                    ],
                },
                "goal": {"event": "report.shared", "within_days": 7},
            },
        ),
        "test",
    )
    kinds = [t.when.kind for t in playbook.engagement.triggers]
    assert kinds == ["schedule", "state", "state", "state", "schedule"]
    assert playbook.engagement.triggers[4].actions("b")[0].template == "tips_b"
    assert playbook.engagement.triggers[4].actions("holdout") == []


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ({**WELCOME, "if": "customer.plan ="}, "'if': not a valid CEL expression"),
        ({**WELCOME, "if": "os.system('x')"}, "unknown variables ['os']"),
        ({**WELCOME, "goal": {"milestone": "moonwalk"}}, "names unknown milestones ['moonwalk']"),
        (
            {**WELCOME, "when": {"event": "x", "schedule": {"local_time": "10:00"}}},
            "exactly one of event, schedule, state",
        ),
        (
            {**WELCOME, "when": {"state": {"change": "inactive"}}},
            "'days' goes with (and only with) change: inactive",
        ),
        (
            {**WELCOME, "when": {"state": {"change": "risk_changed", "to": "doomed"}}},
            "'to' must be one of ['at_risk', 'healthy', 'watch']",
        ),
        ({**WELCOME, "then": []}, "exactly one of 'then' or 'experiment'"),
        (
            {**WELCOME, "then": [{"channel": "email", "template": "x", "due_hours": 4}]},
            "'due_hours' is for the task channel",
        ),
        (
            {**WELCOME, "when": {"schedule": {"days_after_signup": [3, 1]}}},
            "increasing days",
        ),
        (
            {
                **WELCOME,
                "if": "event.properties.all(a, event.properties.all(b, "
                "event.properties.exists(c, c == a && c == b)))",
            },
            "more than 2 list macros",
        ),
        (
            {**WELCOME, "wait": {"any_of": ["user.invited"], "timeout_hours": 24}},
            "a wait needs on_event or on_timeout actions",
        ),
        (
            {**WELCOME, "wait": {"any_of": [], "timeout_hours": 24, "on_timeout": []}},
            "any_of",
        ),
    ],
)
def test_bad_triggers_fail_the_playbook_with_the_reason(
    trigger: dict[str, Any], message: str
) -> None:
    with pytest.raises(PlaybookError) as failure:
        parse_playbook(with_triggers(trigger), "test.yaml")
    assert message in str(failure.value)


def test_repeated_trigger_keys_are_refused() -> None:
    with pytest.raises(PlaybookError, match="repeated: welcome"):
        parse_playbook(with_triggers(WELCOME, WELCOME), "test.yaml")
