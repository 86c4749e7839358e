"""Small builders for playbooks and events used across the tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from core.config import PROJECT_ROOT
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
