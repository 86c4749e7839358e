"""The milestone report for CS staff: SQL fetches plain numbers, NumPy aggregates them.

Durations are computed by the database (epoch arithmetic), so no row is parsed into Python
datetimes; this keeps 100,000 customers well under a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Float, cast, func
from sqlmodel import Session, col, select

from models.achievement import MilestoneAchievement
from models.customer import Customer
from models.health_report import (
    FunnelStep,
    MilestoneReport,
    MilestoneStats,
    SignupCohort,
)
from models.playbook import Playbook

SECONDS_PER_DAY = 86_400.0
UNIX_EPOCH_JULIAN_DAY = 2_440_587.5


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[float]:
    """Seconds since 1970 of a datetime column, computed by the database."""
    if dialect == "sqlite":
        return (func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * SECONDS_PER_DAY
    return cast(func.extract("epoch", column), Float)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _hours(values: np.ndarray, quantile: float) -> float | None:
    return round(float(np.quantile(values, quantile)), 2) if values.size else None


def milestone_report(
    session: Session, tenant_id: str, playbook: Playbook, now: datetime
) -> MilestoneReport:
    dialect = session.get_bind().dialect.name
    connection = session.connection()  # Core rows: no ORM work per row
    customer_rows = connection.execute(
        select(Customer.customer_id, epoch_seconds(col(Customer.signed_up_at), dialect)).where(
            Customer.tenant_id == tenant_id
        )
    ).all()
    position = {customer_id: i for i, (customer_id, _) in enumerate(customer_rows)}
    signup = np.array([float(seconds) for _, seconds in customer_rows], dtype=np.float64)
    statuses = {
        status or "unknown": count
        for status, count in connection.execute(
            select(Customer.journey_status, func.count())
            .where(Customer.tenant_id == tenant_id)
            .group_by(col(Customer.journey_status))
        ).all()
    }
    column_of = {m.key: i for i, m in enumerate(playbook.milestones)}
    reached = np.zeros((len(customer_rows), len(column_of)), dtype=bool)
    took_by_column: dict[int, list[float]] = {i: [] for i in column_of.values()}
    for customer_id, key, achieved in connection.execute(
        select(
            MilestoneAchievement.customer_id,
            MilestoneAchievement.milestone_key,
            epoch_seconds(col(MilestoneAchievement.achieved_at), dialect),
        ).where(MilestoneAchievement.tenant_id == tenant_id)
    ):
        row, column = position.get(customer_id), column_of.get(key)
        if row is None or column is None:
            continue
        reached[row, column] = True
        took_by_column[column].append((achieved - signup[row]) / 3600)
    took = {m.key: np.array(took_by_column[i]) for i, m in enumerate(playbook.milestones)}

    total = len(customer_rows)
    now_seconds = now.timestamp()
    stats = []
    for column, milestone in enumerate(playbook.milestones):
        durations = took[milestone.key]
        overdue = 0
        if milestone.due_day is not None:
            late = signup + milestone.due_day * SECONDS_PER_DAY < now_seconds
            overdue = int((late & ~reached[:, column]).sum())
        count = int(reached[:, column].sum())
        stats.append(
            MilestoneStats(
                key=milestone.key,
                title=milestone.title,
                category=milestone.category,
                required=milestone.required,
                reached=count,
                reached_rate=_rate(count, total),
                median_hours=_hours(durations, 0.5),
                p90_hours=_hours(durations, 0.9),
                overdue=overdue,
            )
        )
    cumulative = np.ones(total, dtype=bool)
    funnel = []
    for column, key in enumerate(m.key for m in playbook.milestones):
        cumulative &= reached[:, column]
        count = int(cumulative.sum())
        funnel.append(FunnelStep(key=key, customers=count, rate=_rate(count, total)))
    return MilestoneReport(
        customers=total,
        statuses=statuses,
        milestones=stats,
        funnel=funnel,
        cohorts=_cohorts(signup, reached, [m.required for m in playbook.milestones]),
    )


def _cohorts(signup: np.ndarray, reached: np.ndarray, required: list[bool]) -> list[SignupCohort]:
    """Completion (every required milestone) by signup week, weeks starting on Monday."""
    if not signup.size:
        return []
    days = np.floor(signup / SECONDS_PER_DAY).astype(np.int64)
    mondays = days - (days + 3) % 7  # 1970-01-01 was a Thursday
    needed = np.array(required, dtype=bool)
    completed = reached[:, needed].all(axis=1) if needed.any() else np.ones(len(days), bool)
    cohorts = []
    for monday in np.unique(mondays):
        members = mondays == monday
        size, done = int(members.sum()), int((completed & members).sum())
        week_of = str(np.datetime64(int(monday), "D"))
        cohorts.append(
            SignupCohort(
                week_of=week_of, customers=size, completed=done, completion_rate=_rate(done, size)
            )
        )
    return cohorts
