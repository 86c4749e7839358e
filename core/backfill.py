"""Backfill: historical events and outcomes into the event log, without firing anything.

Imported events are stored with `signalled_at` set to the import time, so the outbox relay never
sends them to a journey: history informs scores and backtests, it does not trigger nudges.
Files: CSV with columns event_id, customer_id, name, occurred_at, properties (a JSON object,
optional) or JSON Lines with the same keys. Outcomes are events named `customer.churned` and
`customer.renewed`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine

from core.db import ensure_tenant, session_scope
from core.event_log import add_unknown_customers, append_events
from models.event import EventCreate
from models.timeutil import utc_now

MAX_ERRORS_SHOWN = 20


class BackfillError(ValueError):
    """The file has rows that cannot be imported; nothing was written."""


@dataclass(frozen=True)
class BackfillResult:
    rows: int
    inserted: int
    duplicates: int
    customers_created: int


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) from CSV or JSON Lines, chosen by the file's extension."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                raw: dict[str, Any] = dict(row)
                properties = raw.get("properties") or "{}"
                try:
                    raw["properties"] = json.loads(properties)
                except json.JSONDecodeError:
                    raw["properties"] = properties  # validation reports it
                yield line, raw
        return
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if text.strip():
                try:
                    yield line, json.loads(text)
                except json.JSONDecodeError as err:
                    yield line, {"__error__": f"not valid JSON: {err.msg}"}


def parse_events(path: Path) -> list[EventCreate]:
    events: list[EventCreate] = []
    errors: list[str] = []
    for line, raw in read_rows(path):
        if "__error__" in raw:
            errors.append(f"{path}:{line}: {raw['__error__']}")
            continue
        try:
            events.append(EventCreate.model_validate(raw))
        except ValidationError as err:
            for problem in err.errors():
                field = ".".join(str(part) for part in problem["loc"]) or "(row)"
                errors.append(f"{path}:{line}: {field}: {problem['msg']}")
    if errors:
        shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
        more = (
            f"\n… and {len(errors) - MAX_ERRORS_SHOWN} more"
            if len(errors) > MAX_ERRORS_SHOWN
            else ""
        )
        raise BackfillError(f"{len(errors)} problems, nothing imported:\n{shown}{more}")
    return events


def import_events(engine: Engine, tenant_id: str, events: list[EventCreate]) -> BackfillResult:
    """Bulk insert (idempotent on event_id); customers are created with signup = first event."""
    now = utc_now()
    with session_scope(engine) as session:
        ensure_tenant(session, tenant_id)
        created = add_unknown_customers(session, tenant_id, events, now)
        inserted = append_events(session, tenant_id, events, now, signalled_at=now)
    return BackfillResult(
        rows=len(events),
        inserted=inserted,
        duplicates=len(events) - inserted,
        customers_created=created,
    )
