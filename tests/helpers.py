"""Test helpers in the style of sdk-python's: short tests, no sleeps, real components."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

_activity_executor = ThreadPoolExecutor(max_workers=8)


def new_worker(
    client: Client,
    *workflows: type,
    activities: Sequence[Callable[..., Any]] = (),
    task_queue: str | None = None,
) -> Worker:
    """A worker on a fresh task queue that fails a workflow on any exception instead of retrying."""
    return Worker(
        client,
        task_queue=task_queue or f"tq-{uuid.uuid4()}",
        workflows=list(workflows),
        activities=list(activities),
        activity_executor=_activity_executor,
        workflow_failure_exception_types=[Exception],
    )


async def assert_eq_eventually(
    expected: object,
    fn: Callable[[], Awaitable[object]],
    *,
    timeout: float = 15.0,
    interval: float = 0.1,
) -> None:
    """Poll `fn` until it returns `expected`; fail with the last value seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = None
    while True:
        last = await fn()
        if last == expected:
            return
        if loop.time() > deadline:
            raise AssertionError(f"expected {expected!r}, last value {last!r}")
        await asyncio.sleep(interval)
