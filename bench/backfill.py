"""Backfill speed: ~100,000 historical events from JSON Lines into the event log.

Target (issue 3): 100,000 events in well under a minute.
Run: python -m bench.backfill [customers]   (SQLite in a temp dir; set DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.synthetic import as_import_rows, generate
from core.backfill import import_events, parse_events
from core.config import Settings
from core.db import get_engine, migrate


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rows = as_import_rows(generate(customers, seed=1))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        settings = Settings(data_dir=Path(folder), database_url=os.environ.get("DATABASE_URL"))
        migrate(settings)
        tenant = f"bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        events = parse_events(path)
        parsed = time.perf_counter()
        result = import_events(get_engine(settings), tenant, events)
        done = time.perf_counter()
    database = settings.effective_database_url.split(":", 1)[0]
    print(f"backfill of {result.rows:,} events for {customers} customers into {database}:")
    print(
        f"  parse + validate {parsed - started:.1f} s, insert {done - parsed:.1f} s, "
        f"total {done - started:.1f} s ({result.rows / (done - started):,.0f} events/s; "
        "target 100,000 in well under 60 s)"
    )


if __name__ == "__main__":
    main()
