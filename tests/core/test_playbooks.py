"""Playbook files are validated with errors that name the file, the path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.playbooks import PlaybookError, load_playbook_dir, load_playbook_file
from tests.factories import default_playbook


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_default_playbook_meets_the_product_brief() -> None:
    playbook = default_playbook()
    onboarding = [m for m in playbook.milestones if m.due_day is not None]
    assert len(onboarding) >= 5
    assert all(m.points > 0 for m in onboarding)
    assert playbook.checkin_days == [1, 3, 7, 14, 30]
    weights = playbook.health.weights
    assert (weights.usage, weights.feature_adoption, weights.engagement) == (30, 25, 20)
    assert (weights.support, weights.payment) == (15, 10)


def test_version_is_a_content_hash_independent_of_formatting(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "playbooks" / "default.yaml").read_text()
    block_style = "checkin_days:\n  - 1\n  - 3\n  - 7\n  - 14\n  - 30"
    reformatted = write(
        tmp_path, "# a new comment\n" + text.replace("checkin_days: [1, 3, 7, 14, 30]", block_style)
    )
    assert load_playbook_file(reformatted).version == default_playbook().version
    changed = write(tmp_path, text.replace("points: 30", "points: 35", 1), "changed.yaml")
    assert load_playbook_file(changed).version != default_playbook().version


def test_errors_name_file_path_and_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
name: broken
activation_milestone: nope
milestones:
  - key: a
    title: A
    event: a.done
    points: -5
    colour: blue
""",
    )
    with pytest.raises(PlaybookError) as error:
        load_playbook_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "milestones[0].points: Input should be greater than or equal to 0" in message
    assert "milestones[0].colour: Extra inputs are not permitted" in message


def test_cross_field_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
name: broken
activation_milestone: nope
milestones: [{key: a, title: A, event: a.done}]
""",
    )
    with pytest.raises(
        PlaybookError, match="activation_milestone 'nope' is not one of the milestones"
    ):
        load_playbook_file(path)


def test_bad_yaml_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="not valid YAML"):
        load_playbook_file(write(tmp_path, "name: [unclosed"))
    text = "name: same\nactivation_milestone: a\nmilestones: [{key: a, title: A, event: e}]\n"
    folder = tmp_path / "twice"
    folder.mkdir()
    write(folder, text, "one.yaml")
    write(folder, text, "two.yaml")
    with pytest.raises(PlaybookError, match="playbook name 'same' is used twice"):
        load_playbook_dir(folder)
