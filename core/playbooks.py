"""Reading playbook YAML with errors that name the file, the path and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope
from models.playbook import Playbook
from models.playbook_version import PlaybookVersion


class PlaybookError(ValueError):
    """A playbook file that cannot be used, with every problem spelled out."""


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def parse_playbook(data: Any, source: str) -> Playbook:
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        problems = [f"  {_location(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise PlaybookError(f"{source}: invalid playbook\n" + "\n".join(problems)) from None


def load_playbook_file(path: Path) -> Playbook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlaybookError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{path}: not valid YAML: {exc}") from None
    return parse_playbook(data, str(path))


def load_playbook_dir(directory: Path) -> dict[str, Playbook]:
    playbooks: dict[str, Playbook] = {}
    for path in sorted(directory.glob("*.y*ml")):
        playbook = load_playbook_file(path)
        if playbook.name in playbooks:
            raise PlaybookError(f"{path}: playbook name {playbook.name!r} is used twice")
        playbooks[playbook.name] = playbook
    return playbooks


def store_playbook(session: Session, playbook: Playbook, source: str = "") -> PlaybookVersion:
    """Insert this version unless it is already stored; versions are immutable."""
    existing = session.exec(
        select(PlaybookVersion).where(
            PlaybookVersion.name == playbook.name, PlaybookVersion.version == playbook.version
        )
    ).first()
    if existing is not None:
        return existing
    row = PlaybookVersion(
        name=playbook.name,
        version=playbook.version,
        content=playbook.model_dump(mode="json"),
        source=source,
    )
    session.add(row)
    session.flush()
    return row


def check_templates(playbooks: dict[str, Playbook], template_dir: Path) -> None:
    """Refuse playbooks whose triggers name missing templates or unknown variables."""
    from core.template_check import template_problems

    for playbook in playbooks.values():
        problems = template_problems(playbook, template_dir)
        if problems:
            raise PlaybookError(
                f"playbook {playbook.name!r}: template problems\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )


def sync_playbooks(
    engine: Engine, directory: Path, template_dir: Path | None = None
) -> dict[str, Playbook]:
    """Validate every file in the directory (and its templates) and record its version."""
    playbooks = load_playbook_dir(directory)
    if template_dir is not None:
        check_templates(playbooks, template_dir)
    with session_scope(engine) as session:
        for playbook in playbooks.values():
            store_playbook(session, playbook, source=str(directory))
    return playbooks


def read_playbook_version(session: Session, name: str, version: str) -> Playbook | None:
    row = session.exec(
        select(PlaybookVersion).where(
            PlaybookVersion.name == name, PlaybookVersion.version == version
        )
    ).first()
    return None if row is None else Playbook.model_validate(row.content)


def latest_playbook_version(session: Session, name: str) -> Playbook | None:
    row = session.exec(
        select(PlaybookVersion)
        .where(PlaybookVersion.name == name)
        .order_by(PlaybookVersion.id.desc())  # type: ignore[union-attr]
    ).first()
    return None if row is None else Playbook.model_validate(row.content)
