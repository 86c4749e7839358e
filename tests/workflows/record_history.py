"""Records the quiet-customer journey's history for the replay test.

Run after a deliberate, compatible change of the workflow code to add a new history:
`python -m tests.workflows.record_history tests/histories/NAME.json`
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

from core.config import Settings
from core.db import migrate
from tests.smtp_sink import running_smtp_sink
from tests.workflows.conftest import start_skipping_env
from tests.workflows.journey_scenarios import run_quiet_customer


async def record(target: Path) -> None:
    with tempfile.TemporaryDirectory() as data_dir, running_smtp_sink() as sink:
        settings = Settings(
            data_dir=Path(data_dir),
            task_queue=f"tq-{uuid.uuid4()}",
            smtp_host=sink.host,
            smtp_port=sink.port,
        )
        migrate(settings)
        env = await start_skipping_env()
        try:
            run = await run_quiet_customer(env, settings)
            history = await run.handle.fetch_history()
        finally:
            await env.shutdown()
    target.write_text(history.to_json())
    print(f"wrote {len(history.events)} events to {target}")


if __name__ == "__main__":
    asyncio.run(record(Path(sys.argv[1])))
