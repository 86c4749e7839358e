"""Staff actions from the dashboard: each goes through the journey's workflow update, so the
journey stays the one owner of its state; then back to the page with the outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, status
from fastapi.responses import RedirectResponse
from sqlmodel import select

from api.dashboard.session import checked_csrf, staff_manager
from api.deps import RowId, SessionDep, TemporalDep
from api.journeys import JourneyUpdateRejected, change_milestone, change_pause, complete_task
from models.api_key import Principal
from models.journey import MilestoneChange, PauseChange
from models.task import CsTask, TaskCompletion

router = APIRouter(
    prefix="/dashboard", include_in_schema=False, dependencies=[Depends(checked_csrf)]
)
Manager = Annotated[Principal, Depends(staff_manager)]


def _back(path: str, *, done: str | None = None, failed: str | None = None) -> RedirectResponse:
    outcome = {"done": done} if done else {"failed": failed or ""}
    return RedirectResponse(f"{path}?{urlencode(outcome)}", status.HTTP_303_SEE_OTHER)


def _actor(principal: Principal) -> str:
    return f"dashboard (key {principal.key_id})"


def _customer_page(customer_id: str) -> str:
    return f"/dashboard/customers/{quote(customer_id, safe='')}"


@router.post("/customers/{customer_id}/milestones/{milestone_key}/achieve")
async def achieve(
    customer_id: str,
    milestone_key: str,
    reason: Annotated[str, Form(min_length=3, max_length=1000)],
    principal: Manager,
    temporal: TemporalDep,
) -> RedirectResponse:
    change = MilestoneChange(
        milestone_key=milestone_key, action="achieve", actor=_actor(principal), reason=reason
    )
    try:
        await change_milestone(temporal, principal.tenant_id, customer_id, change)
    except JourneyUpdateRejected as rejected:
        return _back(_customer_page(customer_id), failed=str(rejected))
    return _back(_customer_page(customer_id), done=f"{milestone_key} marked reached")


@router.post("/customers/{customer_id}/journey/{action}")
async def control(
    customer_id: str,
    action: Literal["pause", "snooze", "resume"],
    principal: Manager,
    temporal: TemporalDep,
    reason: Annotated[str, Form(max_length=1000)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    try:
        moment = datetime.fromisoformat(until).replace(tzinfo=UTC) if until else None
    except ValueError:
        return _back(_customer_page(customer_id), failed=f"not a date and time: {until!r}")
    change = PauseChange(action=action, until=moment, actor=_actor(principal), reason=reason)
    try:
        await change_pause(temporal, principal.tenant_id, customer_id, change)
    except JourneyUpdateRejected as rejected:
        return _back(_customer_page(customer_id), failed=str(rejected))
    return _back(_customer_page(customer_id), done=f"journey {action}d")


@router.post("/tasks/{task_id}/complete")
async def complete(
    task_id: RowId,
    principal: Manager,
    session: SessionDep,
    temporal: TemporalDep,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    task = session.exec(
        select(CsTask).where(CsTask.tenant_id == principal.tenant_id, CsTask.id == task_id)
    ).first()
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"task {task_id} not found")
    completion = TaskCompletion(task_key=task.idempotency_key, actor=_actor(principal), note=note)
    try:
        await complete_task(temporal, principal.tenant_id, task.customer_id, completion)
    except JourneyUpdateRejected as rejected:
        return _back(_customer_page(task.customer_id), failed=str(rejected))
    return _back(_customer_page(task.customer_id), done=f"task {task_id} completed")
