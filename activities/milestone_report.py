"""The milestone report for CS staff, aggregated by the database.

Two grouped queries do the heavy lifting: each customer's reached milestones become a bitmask
(one bit per milestone in playbook order), and customers are counted per (signup day, reached
mask, overdue-eligible mask). That table has a few thousand rows even for 100,000 customers,
and reach counts, overdue counts, the funnel and the signup cohorts all follow from it.
Median and p90 time to reach are read off the `ix_achievement_reach` index by offset.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, and_, case, cast, func, literal, text
from sqlmodel import Session, col, select

from models.achievement import MilestoneAchievement
from models.customer import Customer
from models.health_report import FunnelStep, MilestoneReport, MilestoneStats, SignupCohort
from models.playbook import Playbook

SECONDS_PER_DAY = 86_400.0
UNIX_EPOCH_JULIAN_DAY = 2_440_587.5


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[float]:
    """Seconds since 1970 of a datetime column, computed by the database."""
    if dialect == "sqlite":
        return (func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * SECONDS_PER_DAY
    return cast(func.extract("epoch", column), Float)


def _epoch_day(column: Any, dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.julianday(column) - UNIX_EPOCH_JULIAN_DAY, Integer)
    return cast(func.floor(func.extract("epoch", column) / SECONDS_PER_DAY), Integer)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def milestone_report(
    session: Session, tenant_id: str, playbook: Playbook, now: datetime
) -> MilestoneReport:
    if session.get_bind().dialect.name == "postgresql":
        # Grouping 100,000 customers spills to disk with the default 4 MB; this transaction only.
        session.exec(text("SET LOCAL work_mem = '64MB'"))  # type: ignore[call-overload]
    groups = _customer_groups(session, tenant_id, playbook, now)
    total = sum(count for _, _, _, count in groups)
    statuses = {
        status or "unknown": count
        for status, count in session.exec(
            select(Customer.journey_status, func.count())
            .where(Customer.tenant_id == tenant_id)
            .group_by(col(Customer.journey_status))
        ).all()
    }
    stats = []
    for bit, milestone in enumerate(playbook.milestones):
        flag = 1 << bit
        reached = sum(count for _, mask, _, count in groups if mask & flag)
        overdue = sum(count for _, mask, late, count in groups if late & flag and not mask & flag)
        median, p90 = _reach_hours(session, tenant_id, milestone.key, (0.5, 0.9))
        stats.append(
            MilestoneStats(
                key=milestone.key,
                title=milestone.title,
                category=milestone.category,
                required=milestone.required,
                reached=reached,
                reached_rate=_rate(reached, total),
                median_hours=median,
                p90_hours=p90,
                overdue=overdue,
            )
        )
    funnel = []
    for bit, milestone in enumerate(playbook.milestones):
        prefix = (1 << (bit + 1)) - 1
        count = sum(count for _, mask, _, count in groups if mask & prefix == prefix)
        funnel.append(FunnelStep(key=milestone.key, customers=count, rate=_rate(count, total)))
    required = sum(1 << bit for bit, m in enumerate(playbook.milestones) if m.required)
    return MilestoneReport(
        customers=total,
        statuses=statuses,
        milestones=stats,
        funnel=funnel,
        cohorts=_cohorts(groups, required),
    )


def _customer_groups(
    session: Session, tenant_id: str, playbook: Playbook, now: datetime
) -> list[tuple[int, int, int, int]]:
    """(signup day, reached mask, overdue-eligible mask, customers), counted by the database."""
    dialect = session.get_bind().dialect.name
    bits = {m.key: 1 << bit for bit, m in enumerate(playbook.milestones)}
    reached = (
        select(
            MilestoneAchievement.customer_id,
            func.sum(case(bits, value=MilestoneAchievement.milestone_key, else_=0)).label("mask"),
        )
        .where(MilestoneAchievement.tenant_id == tenant_id)
        .group_by(col(MilestoneAchievement.customer_id))
        .subquery()
    )
    late: ColumnElement[int] = literal(0)
    for bit, milestone in enumerate(playbook.milestones):
        if milestone.due_day is not None:
            cutoff = now - timedelta(days=milestone.due_day)
            late = late + case((col(Customer.signed_up_at) <= cutoff, 1 << bit), else_=0)
    day = _epoch_day(col(Customer.signed_up_at), dialect)
    mask = func.coalesce(reached.c.mask, 0)
    rows = session.exec(
        select(day, mask, late, func.count())
        .select_from(Customer)
        .outerjoin(reached, reached.c.customer_id == col(Customer.customer_id))
        .where(Customer.tenant_id == tenant_id)
        .group_by(day, mask, late)
    ).all()
    return [(int(d), int(m), int(lt), int(n)) for d, m, lt, n in rows]


def _reach_hours(
    session: Session, tenant_id: str, key: str, quantiles: tuple[float, ...]
) -> list[float | None]:
    """Linear-interpolated quantiles (NumPy's default) of hours to reach, by index offset."""
    hours = col(MilestoneAchievement.hours_to_reach)
    scope = and_(
        col(MilestoneAchievement.tenant_id) == tenant_id,
        col(MilestoneAchievement.milestone_key) == key,
        hours.is_not(None),
    )
    count = session.exec(select(func.count()).select_from(MilestoneAchievement).where(scope)).one()
    if not count:
        return [None for _ in quantiles]
    values: list[float | None] = []
    for quantile in quantiles:
        position = quantile * (count - 1)
        below = math.floor(position)
        pair = session.exec(select(hours).where(scope).order_by(hours).offset(below).limit(2)).all()
        low = float(pair[0] or 0.0)
        high = float(pair[-1] or 0.0)
        values.append(round(low + (high - low) * (position - below), 2))
    return values


def _cohorts(groups: list[tuple[int, int, int, int]], required: int) -> list[SignupCohort]:
    """Completion (every required milestone) by signup week, weeks starting on Monday."""
    size: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    for day, mask, _, count in groups:
        monday = day - (day + 3) % 7  # 1970-01-01 was a Thursday
        size[monday] += count
        if mask & required == required:
            done[monday] += count
    return [
        SignupCohort(
            week_of=(datetime(1970, 1, 1) + timedelta(days=monday)).date().isoformat(),
            customers=size[monday],
            completed=done[monday],
            completion_rate=_rate(done[monday], size[monday]),
        )
        for monday in sorted(size)
    ]
