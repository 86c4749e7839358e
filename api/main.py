"""The FastAPI app: product events in, customer state out; one Temporal client per process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from temporalio.service import RPCError

from api.audit_trail import AuditTrail
from api.dashboard import actions as dashboard_actions
from api.dashboard import export as dashboard_export
from api.dashboard import login as dashboard_login
from api.dashboard import pages as dashboard_pages
from api.outbox import run_relay
from api.problems import install_problem_handlers, problem, problem_responses
from api.request_guard import RequestGuard
from api.routes import (
    audit,
    campaigns,
    customers,
    events,
    experiments,
    health,
    journey_controls,
    milestones,
    overrides,
    playbooks,
    preferences,
    scores,
    tasks,
    templates,
    tenant_settings,
)
from core.config import Settings, get_settings
from core.db import ensure_tenant, get_engine, migrate, session_scope
from core.playbooks import sync_playbooks
from core.rate_limit import RateLimiter
from core.temporal import connect

DASHBOARD_STATIC = Path(__file__).parent / "dashboard" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = get_engine(settings)
        await run_in_threadpool(migrate, settings)
        playbooks = await run_in_threadpool(
            sync_playbooks, engine, settings.playbook_dir, settings.template_dir
        )
        with session_scope(engine) as session:
            ensure_tenant(session, settings.default_tenant)
        app.state.settings = settings
        app.state.engine = engine
        app.state.playbooks = playbooks
        app.state.temporal = await connect(settings)
        relay = asyncio.create_task(
            run_relay(
                engine,
                app.state.temporal,
                settings.task_queue,
                playbooks[settings.default_playbook],
            )
        )
        try:
            yield
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay

    app_limits = {
        "ingest_limiter": RateLimiter(settings.ingest_rate_per_second, settings.ingest_burst),
        "dashboard_limiter": RateLimiter(
            settings.dashboard_rate_per_second, settings.dashboard_burst
        ),
        "login_limiter": RateLimiter(
            settings.login_attempts_per_minute / 60, settings.login_attempts_per_minute
        ),
    }
    app = FastAPI(
        title="Onboard",
        version="0.1.0",
        description=(
            "Customer onboarding orchestrated by Temporal: send product events, read each "
            "customer's journey, milestones, health score and the nudges it was sent."
        ),
        lifespan=lifespan,
    )
    errors = problem_responses()
    app.include_router(events.router, responses=errors)
    app.include_router(customers.router, responses=errors)
    app.include_router(health.router, responses=errors)
    app.include_router(scores.router, responses=errors)
    app.include_router(overrides.router, responses=errors)
    app.include_router(milestones.router, responses=errors)
    app.include_router(milestones.report_router, responses=errors)  # before /v1/milestones/{key}
    app.include_router(playbooks.milestones_router, responses=errors)
    app.include_router(playbooks.playbooks_router, responses=errors)
    app.include_router(preferences.router, responses=errors)
    app.include_router(preferences.unsubscribe_router, responses=errors)
    app.include_router(tasks.router, responses=errors)
    app.include_router(experiments.router, responses=errors)
    app.include_router(templates.router, responses=errors)
    app.include_router(tenant_settings.router, responses=errors)
    app.include_router(campaigns.router, responses=errors)
    app.include_router(journey_controls.router, responses=errors)
    app.include_router(audit.router, responses=errors)
    app.include_router(dashboard_login.router)
    app.include_router(dashboard_export.router)  # before /dashboard/customers/{id}
    app.include_router(dashboard_pages.router)
    app.include_router(dashboard_actions.router)
    app.mount("/dashboard/static", StaticFiles(directory=DASHBOARD_STATIC), name="dashboard-static")

    for name, limiter in app_limits.items():
        setattr(app.state, name, limiter)
    install_problem_handlers(app)
    app.add_middleware(AuditTrail)
    app.add_middleware(RequestGuard)

    @app.exception_handler(RPCError)
    async def temporal_unavailable(_: Request, err: RPCError) -> JSONResponse:
        detail = f"Temporal is unavailable, retry later: {err.message}"
        return problem(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": "5"})

    @app.exception_handler(OperationalError)
    async def database_unavailable(_: Request, err: OperationalError) -> JSONResponse:
        detail = "the database is unavailable, retry later"
        return problem(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": "5"})

    return app
