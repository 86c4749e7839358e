"""A trigger's templates are checked when the playbook loads: missing files, unknown variables
and unknown attributes fail the playbook, not a customer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.playbooks import PlaybookError, check_templates, parse_playbook
from tests.factories import default_playbook


def playbook_with(action: dict[str, Any], change: str = "milestone_overdue") -> Any:
    data = default_playbook().model_dump(mode="json", by_alias=True)
    data["engagement"] = {
        "triggers": [{"key": "nudge", "when": {"state": {"change": change}}, "then": [action]}]
    }
    return parse_playbook(data, "test")


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    write(tmp_path, "inapp/hello.title.j2", "Hi {{ customer.name }}")
    write(
        tmp_path,
        "inapp/hello.body.j2",
        "{% for n in [1, 2] %}{{ n }}{% endfor %} {{ milestone.title }} {{ journey.points }}",
    )
    return tmp_path


def test_known_variables_and_attributes_pass(templates: Path) -> None:
    check_templates({"p": playbook_with({"channel": "inapp", "template": "hello"})}, templates)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ secret_key }}", "unknown variables ['secret_key']"),
        ("{{ customer.password }}", "customer.password is unknown"),
        ("{{ customer.name", "does not parse"),
    ],
)
def test_bad_templates_fail_the_playbook(templates: Path, body: str, message: str) -> None:
    write(templates, "inapp/hello.body.j2", body)
    with pytest.raises(PlaybookError) as failure:
        check_templates({"p": playbook_with({"channel": "inapp", "template": "hello"})}, templates)
    assert "trigger 'nudge': inapp/hello.body.j2: " + message in str(failure.value)


def test_milestone_is_only_known_to_milestone_triggers(templates: Path) -> None:
    inactive = playbook_with({"channel": "inapp", "template": "hello"}, change="stage_changed")
    with pytest.raises(PlaybookError, match=r"unknown variables \['milestone'\]"):
        check_templates({"p": inactive}, templates)


def test_a_missing_part_is_named(templates: Path) -> None:
    with pytest.raises(PlaybookError, match="email/hello.subject.j2: template file is missing"):
        check_templates({"p": playbook_with({"channel": "email", "template": "hello"})}, templates)


def test_the_branches_of_a_wait_are_checked_too(templates: Path) -> None:
    data = default_playbook().model_dump(mode="json", by_alias=True)
    hello = {"channel": "inapp", "template": "hello"}
    data["engagement"] = {
        "triggers": [
            {
                "key": "trial",
                "when": {"state": {"change": "milestone_achieved"}},
                "then": [hello],
                "wait": {
                    "any_of": ["user.invited"],
                    "timeout_hours": 24,
                    "on_timeout": [{"channel": "task", "template": "call_them"}],
                },
            }
        ]
    }
    with pytest.raises(PlaybookError, match="task/call_them.title.j2: template file is missing"):
        check_templates({"p": parse_playbook(data, "test")}, templates)
