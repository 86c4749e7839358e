"""CS staff actions on a customer's milestones, carried out by its journey (update + validator)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from activities.milestone_report import milestone_report
from api.deps import Admin, PlaybookDep, Read, SessionDep, TemporalDep, TenantDep
from api.journeys import JourneyUpdateRejected, change_milestone
from api.routes.customers import existing_customer
from models.health_report import MilestoneReport
from models.journey import JourneySnapshot, MilestoneChange
from models.timeutil import utc_now

router = APIRouter(
    prefix="/v1/customers/{customer_id}/milestones", tags=["milestones"], dependencies=[Admin]
)


class MilestoneChangeRequest(BaseModel):
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=3, max_length=1000)


@router.post("/{milestone_key}/{action}")
async def change(
    customer_id: str,
    milestone_key: str,
    action: Literal["achieve", "reset"],
    body: MilestoneChangeRequest,
    session: SessionDep,
    temporal: TemporalDep,
    tenant: TenantDep,
) -> JourneySnapshot:
    """Mark a milestone reached (`achieve`) or undo it (`reset`); 409 says why it was refused."""
    existing_customer(session, tenant, customer_id)
    request = MilestoneChange(milestone_key=milestone_key, action=action, **body.model_dump())
    try:
        return await change_milestone(temporal, tenant, customer_id, request)
    except JourneyUpdateRejected as rejected:
        raise HTTPException(status.HTTP_409_CONFLICT, str(rejected)) from None


report_router = APIRouter(tags=["milestones"])


@report_router.get("/v1/milestones/report", dependencies=[Read])
def report(session: SessionDep, tenant: TenantDep, playbook: PlaybookDep) -> MilestoneReport:
    """Reach rates, time to reach, overdue counts, statuses, the funnel and signup cohorts."""
    return milestone_report(session, tenant, playbook, utc_now())
