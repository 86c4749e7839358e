"""One customer's single timeline: events, milestones, scores, interventions and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, SQLModel, col, select

from models.achievement import MilestoneAchievement
from models.delivery import Delivery
from models.event import Event
from models.score import HealthScoreRecord
from models.task import CsTask
from models.timeutil import as_utc

PER_KIND = 100
Row = TypeVar("Row", bound=SQLModel)


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: str = ""


class ScorePoint(BaseModel):
    at: datetime
    score: float


def timeline(session: Session, tenant_id: str, customer_id: str) -> list[TimelineItem]:
    """Newest first; each kind contributes its latest PER_KIND entries."""
    items: list[TimelineItem] = []
    for event in _latest(session, Event, Event.occurred_at, tenant_id, customer_id):
        items.append(TimelineItem(at=as_utc(event.occurred_at), kind="event", title=event.name))
    for achieved in _latest(
        session, MilestoneAchievement, MilestoneAchievement.achieved_at, tenant_id, customer_id
    ):
        items.append(
            TimelineItem(
                at=as_utc(achieved.achieved_at),
                kind="milestone",
                title=f"Milestone reached: {achieved.milestone_key}",
            )
        )
    for score in _latest(
        session, HealthScoreRecord, HealthScoreRecord.computed_at, tenant_id, customer_id
    ):
        shown = "n/a" if score.score is None else f"{score.score:.0f}"
        items.append(
            TimelineItem(
                at=as_utc(score.computed_at),
                kind="score",
                title=f"Health {shown} ({score.risk_level})",
            )
        )
    for delivery in _latest(session, Delivery, Delivery.created_at, tenant_id, customer_id):
        items.append(
            TimelineItem(
                at=as_utc(delivery.sent_at or delivery.created_at),
                kind="intervention",
                title=f"{delivery.channel}: {delivery.subject or delivery.template}",
                detail=f"{delivery.trigger_key or ''} · {delivery.status}"
                + (f" · {delivery.error}" if delivery.error else ""),
            )
        )
    for task in _latest(session, CsTask, CsTask.created_at, tenant_id, customer_id):
        items.append(
            TimelineItem(
                at=as_utc(task.created_at),
                kind="task",
                title=f"Task: {task.title}",
                detail=f"{task.status} · {task.owner or 'no owner'}",
            )
        )
    return sorted(items, key=lambda item: item.at, reverse=True)


def _latest(
    session: Session, table: type[Row], column: Any, tenant_id: str, customer_id: str
) -> list[Row]:
    """The customer's newest rows of a table that has tenant_id and customer_id columns."""
    columns = table.__table__.c  # type: ignore[attr-defined]
    owned = (columns.tenant_id == tenant_id, columns.customer_id == customer_id)
    statement = select(table).where(*owned).order_by(col(column).desc()).limit(PER_KIND)
    return list(session.exec(statement).all())


def score_history(session: Session, tenant_id: str, customer_id: str) -> list[ScorePoint]:
    rows = session.exec(
        select(HealthScoreRecord.computed_at, HealthScoreRecord.score)
        .where(
            HealthScoreRecord.tenant_id == tenant_id,
            HealthScoreRecord.customer_id == customer_id,
            col(HealthScoreRecord.score).is_not(None),
        )
        .order_by(col(HealthScoreRecord.computed_at).desc())
        .limit(120)
    ).all()
    return [
        ScorePoint(at=as_utc(at), score=score) for at, score in reversed(rows) if score is not None
    ]
