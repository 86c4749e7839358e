"""The product assembled for tests: the real API app, a worker, the dev server, a database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities import journey_activities
from api.main import create_app
from core.api_keys import create_key
from core.config import Settings
from core.db import get_engine, session_scope
from models.api_key import Scope
from tests.helpers import new_worker
from workflows.campaign_workflow import CampaignWorkflow
from workflows.journey_workflow import CustomerJourneyWorkflow


@dataclass
class Stack:
    http: httpx.AsyncClient
    """Sends an admin key of the default tenant unless a request sets its own headers."""
    temporal: Client
    settings: Settings

    def key(self, tenant: str | None = None, *scopes: Scope) -> dict[str, str]:
        """Headers with a new key of `tenant` (default tenant) and `scopes` (admin)."""
        with session_scope(get_engine(self.settings)) as session:
            _, token = create_key(
                session, tenant or self.settings.default_tenant, "test", scopes or [Scope.ADMIN]
            )
        return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_stack(
    env: WorkflowEnvironment, settings: Settings, *, with_worker: bool = True
) -> AsyncIterator[Stack]:
    settings = settings.model_copy(
        update={"temporal_address": env.client.service_client.config.target_host}
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://onboard.test") as http,
    ):
        stack = Stack(http=http, temporal=env.client, settings=settings)
        http.headers.update(stack.key())
        if with_worker:
            worker = new_worker(
                env.client,
                CustomerJourneyWorkflow,
                CampaignWorkflow,
                activities=journey_activities(get_engine(settings), settings),
                task_queue=settings.task_queue,
            )
            async with worker:
                yield stack
        else:
            yield stack
