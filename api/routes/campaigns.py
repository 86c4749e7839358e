"""Scheduled campaigns: create (a Temporal Schedule), list, inspect, run now, delete."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlmodel import Session, col, select
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Admin, Read, SessionDep, SettingsDep, TemporalDep, TenantDep
from core.campaign_schedules import create_campaign_schedule
from core.db import ensure_tenant
from core.template_check import BASE_VARIABLES, action_problems
from models.campaign import Campaign, CampaignCreate, CampaignPublic
from models.timeutil import as_utc, utc_now

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])


def _stored(session: Session, tenant: str, key: str) -> Campaign:
    row = session.exec(
        select(Campaign).where(Campaign.tenant_id == tenant, Campaign.key == key)
    ).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"campaign {key!r} not found")
    return row


async def _public(temporal: Client, row: Campaign) -> CampaignPublic:
    shown = CampaignPublic.model_validate(
        {**row.definition, "schedule_id": row.schedule_id, "created_at": as_utc(row.created_at)}
    )
    try:
        described = await temporal.get_schedule_handle(row.schedule_id).describe()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        return shown
    shown.next_runs = list(described.info.next_action_times[:5])
    shown.recent_runs = [
        action.action.workflow_id
        for action in described.info.recent_actions
        if isinstance(action.action, ScheduleActionExecutionStartWorkflow)
    ]
    shown.paused = described.schedule.state.paused
    return shown


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Admin])
async def create_campaign(
    body: CampaignCreate,
    session: SessionDep,
    tenant: TenantDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> CampaignPublic:
    """Schedule a broadcast; its templates are checked now, not when it runs."""
    problems = action_problems(body.then, settings.template_dir, BASE_VARIABLES)
    if problems:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(problems))
    if body.at is not None and body.at <= utc_now():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'at' is in the past")
    exists = session.exec(
        select(Campaign).where(Campaign.tenant_id == tenant, Campaign.key == body.key)
    ).first()
    if exists is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"campaign {body.key!r} already exists")
    try:
        schedule_id = await create_campaign_schedule(temporal, tenant, body, settings.task_queue)
    except RPCError as err:
        if err.status != RPCStatusCode.INVALID_ARGUMENT:
            raise
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, err.message) from None
    ensure_tenant(session, tenant)
    row = Campaign(
        tenant_id=tenant,
        key=body.key,
        definition=body.model_dump(mode="json"),
        schedule_id=schedule_id,
    )
    session.add(row)
    session.commit()
    return await _public(temporal, row)


@router.get("", dependencies=[Read])
async def list_campaigns(
    session: SessionDep, tenant: TenantDep, temporal: TemporalDep
) -> list[CampaignPublic]:
    rows = session.exec(
        select(Campaign).where(Campaign.tenant_id == tenant).order_by(col(Campaign.key))
    ).all()
    return [await _public(temporal, row) for row in rows]


@router.get("/{key}", dependencies=[Read])
async def get_campaign(
    key: str, session: SessionDep, tenant: TenantDep, temporal: TemporalDep
) -> CampaignPublic:
    """The definition, its next runs and the workflow ids of recent runs."""
    return await _public(temporal, _stored(session, tenant, key))


@router.post("/{key}/run", status_code=status.HTTP_202_ACCEPTED, dependencies=[Admin])
async def run_now(
    key: str, session: SessionDep, tenant: TenantDep, temporal: TemporalDep
) -> CampaignPublic:
    """Start a run at once (each run reaches a customer at most once)."""
    row = _stored(session, tenant, key)
    await temporal.get_schedule_handle(row.schedule_id).trigger()
    return await _public(temporal, row)


@router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Admin])
async def delete_campaign(
    key: str, session: SessionDep, tenant: TenantDep, temporal: TemporalDep
) -> Response:
    """Remove the schedule; runs already under way finish."""
    row = _stored(session, tenant, key)
    try:
        await temporal.get_schedule_handle(row.schedule_id).delete()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    session.delete(row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
