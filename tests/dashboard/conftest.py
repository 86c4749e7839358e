"""The dashboard on a real HTTP port (uvicorn), with the worker and dev server behind it, and
a headless Chromium (Debian's, driven by Playwright) in front of it."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities import journey_activities
from api.main import create_app
from core.api_keys import create_key
from core.config import PROJECT_ROOT, Settings
from core.db import get_engine, session_scope
from core.processes import free_port
from models.api_key import Scope
from tests.helpers import new_worker
from workflows.campaign_workflow import CampaignWorkflow
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.portfolio_workflow import PortfolioScoringWorkflow

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "dashboard"
CHROMIUM = (
    os.environ.get("ONBOARD_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)


@dataclass
class Served:
    url: str
    settings: Settings
    admin_key: str
    http: httpx.AsyncClient
    temporal: Client


@pytest.fixture
async def served(dev_env: WorkflowEnvironment, sqlite_settings: Settings) -> AsyncIterator[Served]:
    port = free_port()
    settings = sqlite_settings.model_copy(
        update={
            "temporal_address": dev_env.client.service_client.config.target_host,
            "api_port": port,
            "public_url": f"http://127.0.0.1:{port}",
            "dashboard_refresh_seconds": 1,
        }
    )
    with session_scope(get_engine(settings)) as session:
        _, key = create_key(session, settings.default_tenant, "dashboard test", [Scope.ADMIN])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    worker = new_worker(
        dev_env.client,
        CustomerJourneyWorkflow,
        CampaignWorkflow,
        PortfolioScoringWorkflow,
        activities=journey_activities(get_engine(settings), settings),
        task_queue=settings.task_queue,
    )
    url = f"http://127.0.0.1:{port}"
    async with (
        worker,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as http,
    ):
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield Served(
                url=url, settings=settings, admin_key=key, http=http, temporal=dev_env.client
            )
        finally:
            server.should_exit = True
            await serving


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def artifacts() -> Path:
    """Screenshots of each page land here (kept by CI as test artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
