"""Staff controls on a journey: pause its messages, snooze them until a time, resume."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.deps import Admin, SessionDep, TemporalDep, TenantDep
from api.journeys import JourneyUpdateRejected, change_pause
from api.routes.customers import existing_customer
from models.journey import JourneySnapshot, PauseChange

router = APIRouter(
    prefix="/v1/customers/{customer_id}/journey", tags=["journeys"], dependencies=[Admin]
)


class PauseRequest(BaseModel):
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=1000)
    until: datetime | None = Field(default=None, description="For snooze: when it ends.")


@router.post("/{action}")
async def control(
    customer_id: str,
    action: Literal["pause", "snooze", "resume"],
    body: PauseRequest,
    session: SessionDep,
    temporal: TemporalDep,
    tenant: TenantDep,
) -> JourneySnapshot:
    """Messages to the customer wait while paused (events, milestones and scores go on);
    409 says why a change was refused (not paused, snooze in the past, ...)."""
    existing_customer(session, tenant, customer_id)
    change = PauseChange(action=action, **body.model_dump())
    try:
        return await change_pause(temporal, tenant, customer_id, change)
    except JourneyUpdateRejected as rejected:
        raise HTTPException(status.HTTP_409_CONFLICT, str(rejected)) from None
