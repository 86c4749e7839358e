"""The README's engagement example is a real playbook section: it loads and its templates pass."""

from __future__ import annotations

import re

import yaml

from core.config import PROJECT_ROOT
from core.playbooks import check_templates, parse_playbook
from tests.factories import default_playbook


def test_the_readme_trigger_example_loads_with_its_templates() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Engagement triggers", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    example = yaml.safe_load(match.group(1))
    data = default_playbook().model_dump(mode="json", by_alias=True)
    data["engagement"] = example["engagement"]
    playbook = parse_playbook(data, "README.md")
    assert [t.key for t in playbook.engagement.triggers] == ["welcome", "welcome_ab"]
    assert playbook.engagement.triggers[0].wait is not None
    check_templates({"readme": playbook}, PROJECT_ROOT / "templates")
