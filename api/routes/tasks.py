"""CS tasks the journeys created: listed overdue first, completed through the journey."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from api.deps import Admin, Offset, Read, RowId, SessionDep, TemporalDep, TenantDep
from api.journeys import JourneyUpdateRejected, complete_task
from models.task import CsTask, CsTaskPublic, TaskCompletion, TaskStatus
from models.timeutil import as_utc, utc_now

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


class TaskPage(BaseModel):
    data: list[CsTaskPublic]
    total: int
    overdue: int


class TaskDone(BaseModel):
    actor: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


def public(task: CsTask) -> CsTaskPublic:
    data = task.model_dump()
    for field in ("due_at", "created_at", "completed_at", "escalated_at"):
        data[field] = as_utc(data[field]) if data[field] else None
    return CsTaskPublic.model_validate(data)


def _task(session: Session, tenant: str, task_id: int) -> CsTask:
    task = session.exec(
        select(CsTask).where(CsTask.tenant_id == tenant, CsTask.id == task_id)
    ).first()
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"task {task_id} not found")
    return task


@router.get("", dependencies=[Read])
def list_tasks(
    session: SessionDep,
    tenant: TenantDep,
    task_status: Annotated[
        Literal["open", "done", "escalated", "pending"], Query(alias="status")
    ] = "pending",
    owner: Annotated[str | None, Query(max_length=200)] = None,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> TaskPage:
    """Tasks by status (`pending`: open or escalated, the default), overdue first, then by
    due time."""
    now = utc_now()
    statuses = (
        [TaskStatus.OPEN, TaskStatus.ESCALATED] if task_status == "pending" else [task_status]
    )
    where: list[ColumnElement[bool]] = [
        col(CsTask.tenant_id) == tenant,
        col(CsTask.status).in_(statuses),
    ]
    if owner is not None:
        where.append(col(CsTask.owner) == owner)
    if customer_id is not None:
        where.append(col(CsTask.customer_id) == customer_id)
    rows = session.exec(
        select(CsTask)
        .where(*where)
        .order_by(col(CsTask.due_at), col(CsTask.id))  # overdue ones are due first
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.exec(select(func.count()).select_from(CsTask).where(*where)).one()
    overdue = session.exec(
        select(func.count()).select_from(CsTask).where(*where, col(CsTask.due_at) < now)
    ).one()
    return TaskPage(data=[public(row) for row in rows], total=total, overdue=overdue)


@router.get("/{task_id}", dependencies=[Read])
def get_task(task_id: RowId, session: SessionDep, tenant: TenantDep) -> CsTaskPublic:
    return public(_task(session, tenant, task_id))


@router.post("/{task_id}/complete", dependencies=[Admin])
async def complete(
    task_id: RowId, body: TaskDone, session: SessionDep, temporal: TemporalDep, tenant: TenantDep
) -> CsTaskPublic:
    """Complete a task: the customer's journey records it and stops its SLA clock; 409 if it
    is already done."""
    task = _task(session, tenant, task_id)
    if task.status == TaskStatus.DONE:
        raise HTTPException(status.HTTP_409_CONFLICT, f"task {task_id} is already done")
    completion = TaskCompletion(task_key=task.idempotency_key, actor=body.actor, note=body.note)
    try:
        await complete_task(temporal, tenant, task.customer_id, completion)
    except JourneyUpdateRejected as rejected:
        raise HTTPException(status.HTTP_409_CONFLICT, str(rejected)) from None
    session.refresh(task)
    return public(task)
