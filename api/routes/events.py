"""Product events in: stored first, then signalled to each customer's journey."""

from __future__ import annotations

from fastapi import APIRouter, status
from starlette.concurrency import run_in_threadpool

from api.deps import (
    EngineDep,
    Ingest,
    PlaybookDep,
    RateLimited,
    SettingsDep,
    TemporalDep,
    TenantDep,
)
from api.outbox import signal_events, store_events
from models.event import EventAccepted, EventBatchCreate, EventCreate, EventsAccepted
from models.journey import journey_workflow_id
from models.playbook import PlaybookRef

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Ingest, RateLimited])


async def ingest(
    events: list[EventCreate],
    tenant: str,
    engine: EngineDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    playbook: PlaybookDep,
) -> EventsAccepted:
    stored = await run_in_threadpool(store_events, engine, tenant, events)
    ref = PlaybookRef(name=playbook.name, version=playbook.version)
    await signal_events(engine, temporal, settings.task_queue, tenant, ref, stored)
    accepted = [
        EventAccepted(
            event_id=item.event.event_id,
            customer_id=item.customer_id,
            duplicate=item.duplicate,
            workflow_id=journey_workflow_id(tenant, item.customer_id),
        )
        for item in stored
    ]
    duplicates = sum(1 for item in accepted if item.duplicate)
    return EventsAccepted(
        accepted=len(accepted) - duplicates, duplicates=duplicates, events=accepted
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def post_event(
    event: EventCreate,
    tenant: TenantDep,
    engine: EngineDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    playbook: PlaybookDep,
) -> EventAccepted:
    """Accept one event; a repeated `event_id` is acknowledged with `duplicate: true`."""
    result = await ingest([event], tenant, engine, temporal, settings, playbook)
    return result.events[0]


@router.post("/batch", status_code=status.HTTP_202_ACCEPTED)
async def post_events(
    batch: EventBatchCreate,
    tenant: TenantDep,
    engine: EngineDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    playbook: PlaybookDep,
) -> EventsAccepted:
    """Accept up to 1,000 events in one transaction."""
    return await ingest(batch.events, tenant, engine, temporal, settings, playbook)
