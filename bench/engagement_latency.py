"""Signal-to-delivery latency of an event-triggered email, on the Temporal dev server.

The whole product path: POST /v1/events (stored, then signalled to the journey) → the journey
wakes on the signal (no polling) → trigger, guardrails → delivery activity → SMTP server on
loopback. Latency is from just before the POST to the moment the SMTP server has the message.
Run: python -m bench.engagement_latency [customers] [rounds]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from core.api_keys import create_key
from core.binaries import find_binary
from core.config import PROJECT_ROOT, Settings
from core.db import get_engine, migrate, session_scope
from core.processes import free_port
from models.api_key import Scope
from worker import build_worker
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

TRIGGER = {
    "key": "ping_reply",
    "when": {"event": "bench.ping"},
    "then": [{"channel": "email", "template": "product_update"}],
}


class ArrivalClock:
    """SMTP handler noting when each recipient's messages arrive."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        for recipient in envelope.rcpt_tos:
            self.arrivals.setdefault(recipient, []).append(time.perf_counter())
        return "250 OK"

    def delivered(self, customer_ids: list[str], count: int) -> bool:
        return all(len(self.arrivals.get(f"{c}@example.com", [])) >= count for c in customer_ids)


def bench_settings(folder: Path, smtp_port: int) -> Settings:
    """The default playbook with one event trigger and no caps or quiet hours (every ping is
    answered, whatever the hour)."""
    playbooks = folder / "playbooks"
    playbooks.mkdir()
    data = yaml.safe_load((PROJECT_ROOT / "playbooks" / "default.yaml").read_text())
    data["engagement"] = {
        "guardrails": {"caps": [], "quiet_hours": None},
        "triggers": [TRIGGER],
    }
    (playbooks / "default.yaml").write_text(yaml.safe_dump(data))
    return Settings(
        data_dir=folder / "data",
        playbook_dir=playbooks,
        smtp_port=smtp_port,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
    )


async def measure(customers: int, rounds: int) -> list[float]:
    clock = ArrivalClock()
    port = free_port()
    smtp = Controller(clock, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = bench_settings(Path(tmp), port)
            return await _run(settings, clock, customers, rounds)
    finally:
        smtp.stop()


async def _run(settings: Settings, clock: ArrivalClock, customers: int, rounds: int) -> list[float]:
    migrate(settings)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        search_attributes=ALL_SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
    )
    settings = settings.model_copy(
        update={"temporal_address": env.client.service_client.config.target_host}
    )
    with session_scope(get_engine(settings)) as session:
        _, token = create_key(session, settings.default_tenant, "bench", [Scope.ADMIN])
    app = create_app(settings)
    latencies: list[float] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as http,
        build_worker(env.client, settings),
    ):
        ids = [f"bench-{n:04d}" for n in range(customers)]
        for customer_id in ids:
            body = {"customer_id": customer_id, "email": f"{customer_id}@example.com"}
            (await http.post("/v1/customers", json=body)).raise_for_status()
        await _until(lambda: _all_running(http, ids))
        for round_number in range(rounds):
            started: dict[str, float] = {}
            for customer_id in ids:
                event = {
                    "event_id": f"{customer_id}-{round_number}",
                    "customer_id": customer_id,
                    "name": "bench.ping",
                    "occurred_at": datetime.now(UTC).isoformat(),
                }
                started[customer_id] = time.perf_counter()
                (await http.post("/v1/events", json=event)).raise_for_status()
                await asyncio.sleep(0.02)
            await _until(lambda n=round_number + 1: clock.delivered(ids, n))
            latencies += [
                clock.arrivals[f"{c}@example.com"][round_number] - started[c] for c in ids
            ]
    await env.shutdown()
    return latencies


async def _all_running(http: httpx.AsyncClient, ids: list[str]) -> bool:
    """Every journey answers its state query (started, playbook loaded)."""
    for customer_id in ids:
        journey = (await http.get(f"/v1/customers/{customer_id}")).json().get("journey")
        if not journey:
            return False
    return True


async def _until(condition: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the bench did not finish in time")


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    latencies = sorted(asyncio.run(measure(customers, rounds)))
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"signal-to-delivery, event-triggered email, {len(latencies)} messages "
        f"({customers} customers x {rounds} rounds, dev server, SQLite):"
    )
    print(
        f"  p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
