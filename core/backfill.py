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

from core.db import ensure_tenant, insert_or_ignore, session_scope
from models.customer import Customer
from models.event import Event, EventCreate
from models.timeutil import utc_now

CHUNK = 2_000  # rows per INSERT: 8 columns stay under SQLite's 32,766 bound parameters
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
    first_seen: dict[str, Any] = {}
    for item in events:
        seen = first_seen.get(item.customer_id)
        if seen is None or item.occurred_at < seen:
            first_seen[item.customer_id] = item.occurred_at
    inserted = created = 0
    with session_scope(engine) as session:
        ensure_tenant(session, tenant_id)
        customers = [
            {
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "timezone": "UTC",
                "points": 0,
                "signed_up_at": signed_up_at,
                "created_at": now,
                "updated_at": now,
            }
            for customer_id, signed_up_at in first_seen.items()
        ]
        for start in range(0, len(customers), CHUNK):
            created += insert_or_ignore(
                session, Customer, customers[start : start + CHUNK], ["tenant_id", "customer_id"]
            )
        for start in range(0, len(events), CHUNK):
            rows = [
                {
                    "tenant_id": tenant_id,
                    "event_id": item.event_id,
                    "customer_id": item.customer_id,
                    "name": item.name,
                    "occurred_at": item.occurred_at,
                    "properties": item.properties,
                    "received_at": now,
                    "signalled_at": now,
                }
                for item in events[start : start + CHUNK]
            ]
            inserted += insert_or_ignore(session, Event, rows, ["tenant_id", "event_id"])
    return BackfillResult(
        rows=len(events),
        inserted=inserted,
        duplicates=len(events) - inserted,
        customers_created=created,
    )
