"""The overview's chart data, each one grouped in SQL over the filtered customers."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.dashboard.filters import PortfolioFilter
from core.dashboard.sql_time import week_start, weekday_hour
from models.achievement import MilestoneAchievement
from models.customer import Customer
from models.delivery import Delivery
from models.event import Event
from models.playbook import Playbook
from models.score import HealthScoreRecord
from models.timeutil import as_utc

RISK_LEVELS = ("healthy", "watch", "at_risk")


class Bar(BaseModel):
    label: str
    value: float
    note: str = ""


class WeekRisk(BaseModel):
    week: str
    counts: dict[str, int]


class TriggerEffect(BaseModel):
    trigger: str
    goal: str
    reached_customers: int
    reached_goal: int

    @property
    def rate(self) -> float:
        return self.reached_goal / self.reached_customers if self.reached_customers else 0.0


def health_distribution(session: Session, scope: PortfolioFilter) -> list[Bar]:
    """Customers per 10-point band of health score (100 counts in the top band)."""
    scores = session.execute(
        sa_select(col(Customer.health_score)).where(
            *scope.customer_conditions(), col(Customer.health_score).is_not(None)
        )
    ).scalars()
    counts = [0] * 10
    for score in scores:
        counts[min(int(score // 10), 9)] += 1
    return [Bar(label=f"{b * 10}–{b * 10 + 9}", value=counts[b]) for b in range(10)]


def risk_over_time(
    session: Session, scope: PortfolioFilter, now: datetime, weeks: int = 8
) -> list[WeekRisk]:
    """Scores recorded per week by the risk level they gave."""
    dialect = session.get_bind().dialect
    week = week_start(col(HealthScoreRecord.computed_at), dialect)
    query = scope.scope(
        sa_select(week, col(HealthScoreRecord.risk_level), func.count()).select_from(
            HealthScoreRecord
        ),
        col(HealthScoreRecord.customer_id),
        col(HealthScoreRecord.tenant_id),
    ).where(col(HealthScoreRecord.computed_at) >= now - timedelta(weeks=weeks))
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for label, level, count in session.execute(query.group_by(week, HealthScoreRecord.risk_level)):
        grouped[str(label)][level] = count
    return [
        WeekRisk(week=label, counts={level: grouped[label].get(level, 0) for level in RISK_LEVELS})
        for label in sorted(grouped)
    ]


def cohort_completion(
    session: Session, scope: PortfolioFilter, playbook: Playbook, weeks: int = 12
) -> list[Bar]:
    """Share of the playbook's milestones reached, per signup-week cohort."""
    dialect = session.get_bind().dialect
    cohort = week_start(col(Customer.signed_up_at), dialect)
    customers = dict(
        session.execute(
            sa_select(cohort, func.count()).where(*scope.customer_conditions()).group_by(cohort)
        ).all()
    )
    reached = dict(
        session.execute(
            sa_select(cohort, func.count())
            .select_from(MilestoneAchievement)
            .join(
                Customer,
                (col(Customer.tenant_id) == col(MilestoneAchievement.tenant_id))
                & (col(Customer.customer_id) == col(MilestoneAchievement.customer_id)),
            )
            .where(*scope.customer_conditions())
            .group_by(cohort)
        ).all()
    )
    milestones = len(playbook.milestones) or 1
    labels = sorted(customers)[-weeks:]
    return [
        Bar(
            label=str(label)[5:],  # MM-DD of the week's Monday
            value=reached.get(label, 0) / (customers[label] * milestones),
            note=f"week of {label}: {customers[label]} customers",
        )
        for label in labels
    ]


def funnel(session: Session, scope: PortfolioFilter, playbook: Playbook) -> list[Bar]:
    """Signed up, then customers who reached each milestone, in playbook order."""
    total = session.execute(
        sa_select(func.count()).select_from(Customer).where(*scope.customer_conditions())
    ).scalar_one()
    query = scope.scope(
        sa_select(
            col(MilestoneAchievement.milestone_key),
            func.count(func.distinct(col(MilestoneAchievement.customer_id))),
        ).select_from(MilestoneAchievement),
        col(MilestoneAchievement.customer_id),
        col(MilestoneAchievement.tenant_id),
    )
    counts = dict(session.execute(query.group_by(col(MilestoneAchievement.milestone_key))).all())
    return [Bar(label="Signed up", value=total)] + [
        Bar(label=m.title, value=counts.get(m.key, 0)) for m in playbook.milestones
    ]


def engagement_heatmap(
    session: Session, scope: PortfolioFilter, since: datetime
) -> list[list[int]]:
    """Events per weekday (Monday first) and UTC hour since `since`."""
    dialect = session.get_bind().dialect
    slot = weekday_hour(col(Event.occurred_at), dialect)
    query = scope.scope(
        sa_select(slot, func.count()).select_from(Event),
        col(Event.customer_id),
        col(Event.tenant_id),
    ).where(col(Event.occurred_at) >= since)
    sunday = 1 if dialect.name == "postgresql" else 0
    grid = [[0] * 24 for _ in range(7)]
    for label, count in session.execute(query.group_by(slot)):
        weekday, hour = (int(part) for part in str(label).split())
        grid[(weekday - sunday + 6) % 7][hour] = count  # Monday first
    return grid


def trigger_effectiveness(
    session: Session, scope: PortfolioFilter, playbook: Playbook
) -> list[TriggerEffect]:
    """For each trigger with a milestone goal: customers it reached, and how many of them
    reached the goal after the first send and within the goal's window."""
    goals = {
        t.key: t.goal
        for t in playbook.engagement.triggers
        if t.goal is not None and t.goal.milestone is not None
    }
    if not goals:
        return []
    first_sends = session.execute(
        scope.scope(
            sa_select(
                col(Delivery.trigger_key), col(Delivery.customer_id), func.min(Delivery.sent_at)
            ).select_from(Delivery),
            col(Delivery.customer_id),
            col(Delivery.tenant_id),
        )
        .where(col(Delivery.status) == "sent", col(Delivery.trigger_key).in_(list(goals)))
        .group_by(col(Delivery.trigger_key), col(Delivery.customer_id))
    ).all()
    milestones = {g.milestone for g in goals.values() if g.milestone}
    reached_at = {
        (key, customer): as_utc(at)
        for key, customer, at in session.execute(
            sa_select(
                col(MilestoneAchievement.milestone_key),
                col(MilestoneAchievement.customer_id),
                col(MilestoneAchievement.achieved_at),
            ).where(
                col(MilestoneAchievement.tenant_id) == scope.tenant_id,
                col(MilestoneAchievement.milestone_key).in_(milestones),
            )
        )
    }
    effects = {
        key: TriggerEffect(
            trigger=key, goal=goal.milestone or "", reached_customers=0, reached_goal=0
        )
        for key, goal in goals.items()
    }
    for trigger, customer, first in first_sends:
        goal = goals[trigger]
        effect = effects[trigger]
        effect.reached_customers += 1
        achieved = reached_at.get((goal.milestone, customer))
        sent = as_utc(first)
        if achieved is not None and sent <= achieved <= sent + timedelta(days=goal.within_days):
            effect.reached_goal += 1
    return list(effects.values())
