"""The Temporal dev server of `onboard dev`: SQLite in WAL mode, our search attributes, Web UI."""

from __future__ import annotations

import asyncio
import time

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from core.binaries import find_binary
from core.config import Settings
from core.processes import Child, spawn
from core.temporal import connect
from workflows.search_attributes import cli_search_attribute_args

READY_TIMEOUT_SECONDS = 90.0


def dev_server_argv(settings: Settings) -> list[str]:
    host, port = settings.temporal_address.rsplit(":", 1)
    argv = [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str((settings.data_dir / "temporal.db").resolve()),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--ip",
        host,
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--log-level",
        "error",
        *cli_search_attribute_args(),
    ]
    if settings.temporal_namespace != "default":
        argv += ["--namespace", settings.temporal_namespace]
    return argv


def start_dev_server(settings: Settings, env: dict[str, str]) -> Child:
    return spawn(
        "temporal", dev_server_argv(settings), env, log_file=settings.data_dir / "temporal.log"
    )


def wait_until_ready(
    settings: Settings, server: Child, timeout: float = READY_TIMEOUT_SECONDS
) -> None:
    """Block until the frontend answers for our namespace; fail fast if the server died."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not server.running():
            raise RuntimeError(
                f"the Temporal dev server exited with code {server.process.returncode}; "
                f"see {settings.data_dir / 'temporal.log'}"
            )
        try:
            asyncio.run(_describe_namespace(settings))
            return
        except Exception as err:  # noqa: BLE001 - keep polling until the deadline
            last_error = str(err)
        time.sleep(0.5)
    raise TimeoutError(f"Temporal did not become ready in {timeout:.0f} s: {last_error}")


async def _describe_namespace(settings: Settings) -> None:
    client = await asyncio.wait_for(connect(settings), timeout=5)
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace)
    )
