"""Liveness for load balancers and compose: the database and Temporal must both answer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, TemporalDep

router = APIRouter(tags=["health"])


def database_ok(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - reported, not raised
        return f"down: {err.__class__.__name__}"
    return "ok"


@router.get("/healthz")
async def healthz(engine: EngineDep, temporal: TemporalDep) -> JSONResponse:
    database = await run_in_threadpool(database_ok, engine)
    try:
        await temporal.service_client.check_health()
        temporal_status = "ok"
    except Exception as err:  # noqa: BLE001 - reported, not raised
        temporal_status = f"down: {err.__class__.__name__}"
    healthy = database == "ok" and temporal_status == "ok"
    return JSONResponse(
        status_code=200 if healthy else 503,
        content={
            "status": "ok" if healthy else "degraded",
            "database": database,
            "temporal": temporal_status,
        },
    )
