"""Small builders for playbooks and events used across the tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from core.config import PROJECT_ROOT, Settings
from core.playbooks import load_playbook_file
from models.journey import ProductEvent
from models.playbook import Playbook


def default_playbook() -> Playbook:
    return load_playbook_file(Path(PROJECT_ROOT / "playbooks" / "default.yaml"))


def product_event(
    name: str, at: datetime, event_id: str | None = None, **properties: Any
) -> ProductEvent:
    return ProductEvent(
        event_id=event_id or f"{name}-{at.isoformat()}",
        name=name,
        occurred_at=at,
        properties=properties,
    )


def with_engagement(settings: Settings, directory: Path, engagement: dict[str, Any]) -> Settings:
    """Settings whose default playbook has `engagement` instead of the shipped triggers."""
    data = yaml.safe_load((settings.playbook_dir / "default.yaml").read_text())
    data["engagement"] = engagement
    directory.mkdir()
    (directory / "default.yaml").write_text(yaml.safe_dump(data))
    return settings.model_copy(update={"playbook_dir": directory})


def daytime_zone(now: datetime) -> str:
    """A fixed-offset zone where it is around noon now, so quiet hours never interfere."""
    offset = (12 - now.hour + 12) % 24 - 12  # -12..11 hours from UTC
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs are inverted
