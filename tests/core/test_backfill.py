"""`onboard import`: CSV and JSON Lines into the event log, idempotent, never signalled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import func, select

from bench.synthetic import as_import_rows, generate
from core.config import Settings
from core.db import get_engine, session_scope
from models.customer import Customer
from models.event import Event


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def run_import(
    settings: Settings, path: Path, tenant: str = "hist"
) -> subprocess.CompletedProcess[str]:
    env = {"DATA_DIR": str(settings.data_dir), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [sys.executable, "-m", "onboard", "import", str(path), "--tenant", tenant],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def counts(settings: Settings) -> tuple[int, int, int]:
    with session_scope(get_engine(settings)) as session:
        events = session.exec(select(func.count()).select_from(Event)).one()
        unsignalled = session.exec(
            select(func.count()).select_from(Event).where(Event.signalled_at == None)  # noqa: E711
        ).one()
        customers = session.exec(select(func.count()).select_from(Customer)).one()
    return events, unsignalled, customers


def test_jsonl_import_is_idempotent_and_fires_nothing(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    portfolio = generate(5, seed=3)
    rows = as_import_rows(portfolio)
    path = write_jsonl(tmp_path / "history.jsonl", rows)

    first = run_import(sqlite_settings, path)
    assert first.returncode == 0, first.stderr
    assert f"imported {len(rows):,} of {len(rows):,} events for tenant 'hist'" in first.stdout
    assert counts(sqlite_settings) == (len(rows), 0, 5)  # stored, none left for the relay

    again = run_import(sqlite_settings, path)
    assert f"imported 0 of {len(rows):,} events" in again.stdout
    assert counts(sqlite_settings) == (len(rows), 0, 5)
    with session_scope(get_engine(sqlite_settings)) as session:
        customer = session.exec(select(Customer).where(Customer.customer_id == "c00000")).one()
    first_event = min(at for _, at, _ in portfolio[0].events)
    assert customer.signed_up_at.replace(tzinfo=None) == first_event.replace(tzinfo=None)


def test_csv_import_with_properties(sqlite_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,customer_id,name,occurred_at,properties\n"
        'e1,acme,support.ticket_opened,2026-02-01T10:00:00Z,"{""priority"": ""p1""}"\n'
        "e2,acme,page.viewed,2026-02-02T10:00:00+01:00,\n"
    )
    result = run_import(sqlite_settings, path)
    assert result.returncode == 0, result.stderr
    with session_scope(get_engine(sqlite_settings)) as session:
        ticket = session.exec(select(Event).where(Event.event_id == "e1")).one()
    assert ticket.properties == {"priority": "p1"}


def test_bad_rows_are_reported_by_line_and_nothing_is_written(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    good = {
        "event_id": "ok",
        "customer_id": "a",
        "name": "x",
        "occurred_at": "2026-01-01T00:00:00Z",
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(good)
        + "\n"
        + json.dumps({**good, "event_id": "n", "occurred_at": "2026-01-01T00:00:00"})
        + "\n{not json\n"
    )
    result = run_import(sqlite_settings, path)
    assert result.returncode == 1
    assert (
        f"{path}:2: occurred_at: Value error, occurred_at must carry a timezone offset"
        in result.stderr
    )
    assert f"{path}:3: not valid JSON" in result.stderr
    assert counts(sqlite_settings) == (0, 0, 0)
