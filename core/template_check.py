"""Checking a playbook's message templates when it loads, not when a customer hits them.

Every action's template must exist for each part its channel needs, parse in the sandbox, and
use only the variables the renderer provides (and, for those, only known attributes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jinja2 import TemplateError, nodes

from activities.rendering import template_environment
from models.playbook import Playbook
from models.triggers import Action, Channel, Trigger

PARTS: dict[Channel, tuple[str, ...]] = {
    "email": ("subject", "txt", "html"),
    "inapp": ("title", "body"),
    "slack": ("text",),
    "webhook": ("summary",),
    "task": ("title", "body"),
}
CUSTOMER_FIELDS = frozenset(
    {"customer_id", "name", "email", "plan", "segment", "industry", "timezone", "csm_owner", "mrr"}
)
MILESTONE_FIELDS = frozenset({"key", "title", "hint", "category", "points", "due_day", "required"})
JOURNEY_FIELDS = frozenset(
    {
        "stage",
        "points",
        "level",
        "done_count",
        "total_count",
        "risk_level",
        "health_score",
        "next_step",
        "next_hint",
    }
)
BASE_VARIABLES: dict[str, frozenset[str] | None] = {
    "customer": CUSTOMER_FIELDS,
    "journey": JOURNEY_FIELDS,
    "trigger": frozenset({"key"}),
    "customer_name": None,
    "unsubscribe_url": None,
}
"""Name → attributes it has (None: a plain value). `milestone` joins for milestone triggers."""


def variables_for(trigger: Trigger) -> dict[str, frozenset[str] | None]:
    state = trigger.when.state
    if state is not None and state.change.startswith("milestone_"):
        return {**BASE_VARIABLES, "milestone": MILESTONE_FIELDS}
    return dict(BASE_VARIABLES)


def template_problems(playbook: Playbook, template_dir: Path) -> list[str]:
    """Every problem with the playbook's templates, each naming the trigger and the file."""
    problems: list[str] = []
    for trigger in playbook.engagement.triggers:
        found = action_problems(trigger.all_actions(), template_dir, variables_for(trigger))
        problems += [f"trigger {trigger.key!r}: {problem}" for problem in found]
    return problems


def action_problems(
    actions: Iterable[Action], template_dir: Path, allowed: dict[str, frozenset[str] | None]
) -> list[str]:
    """Problems with the templates of these actions (each file once), naming the file."""
    problems: list[str] = []
    names = dict.fromkeys(
        f"{action.channel}/{action.template}.{part}.j2"
        for action in actions
        for part in PARTS[action.channel]
    )
    for name in names:
        problem = _check(template_dir, name, allowed)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def _check(template_dir: Path, name: str, allowed: dict[str, frozenset[str] | None]) -> str:
    path = template_dir / name
    if not path.is_file():
        return "template file is missing"
    environment = template_environment(template_dir)
    try:
        tree = environment.parse(path.read_text(encoding="utf-8"))
    except TemplateError as err:
        return f"does not parse: {err}"
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    used = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"} - assigned
    unknown = sorted(used - set(allowed))
    if unknown:
        return f"unknown variables {unknown}; available: {sorted(allowed)}"
    for attribute in tree.find_all(nodes.Getattr):
        target = attribute.node
        if isinstance(target, nodes.Name) and target.name not in assigned:
            fields = allowed.get(target.name)
            if fields is not None and attribute.attr not in fields:
                return (
                    f"{target.name}.{attribute.attr} is unknown; {target.name} has {sorted(fields)}"
                )
    return ""
