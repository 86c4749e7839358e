"""API tests run the real app, dev server and worker on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from tests.stack import Stack, running_stack


@pytest.fixture
async def api(dev_env: WorkflowEnvironment, sqlite_settings: Settings) -> AsyncIterator[Stack]:
    async with running_stack(dev_env, sqlite_settings) as stack:
        yield stack


@pytest.fixture
async def api_without_worker(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings
) -> AsyncIterator[Stack]:
    """For tests that seed stored state themselves: no journey runs to change it underneath."""
    async with running_stack(dev_env, sqlite_settings, with_worker=False) as stack:
        yield stack
