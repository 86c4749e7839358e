"""The overview's KPI tiles, straight from the tables (the journeys mirror their state there)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import case
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core.dashboard.filters import PortfolioFilter
from models.customer import Customer
from models.delivery import Delivery

IN_ONBOARDING = ("signed_up", "onboarding", "activated", "stalled")


class Kpis(BaseModel):
    customers: int
    in_onboarding: int
    completion_rate: float | None
    median_time_to_value_hours: float | None
    activation_rate: float | None
    at_risk: int
    at_risk_mrr: float
    interventions_this_week: int

    def rows(self) -> list[tuple[str, str]]:
        """Label and formatted value, in tile order (also the CSV export)."""
        return [
            ("Customers", f"{self.customers}"),
            ("In onboarding", f"{self.in_onboarding}"),
            ("Onboarding completion rate", _percent(self.completion_rate)),
            ("Median time to value (hours)", _number(self.median_time_to_value_hours)),
            ("Activation rate", _percent(self.activation_rate)),
            ("At risk", f"{self.at_risk}"),
            ("At-risk MRR", f"{self.at_risk_mrr:,.0f}"),
            ("Interventions sent this week", f"{self.interventions_this_week}"),
        ]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def kpis(session: Session, scope: PortfolioFilter, now: datetime) -> Kpis:
    conditions = scope.customer_conditions()
    total, onboarding, graduated, activated, at_risk, at_risk_mrr = session.execute(
        sa_select(
            func.count(),
            func.sum(case((col(Customer.stage).in_(IN_ONBOARDING), 1), else_=0)),
            func.sum(case((col(Customer.stage) == "graduated", 1), else_=0)),
            func.count(col(Customer.time_to_value_hours)),
            func.sum(case((col(Customer.risk_level) == "at_risk", 1), else_=0)),
            func.sum(case((col(Customer.risk_level) == "at_risk", col(Customer.mrr)), else_=0)),
        ).where(*conditions)
    ).one()
    values = session.exec(
        select(Customer.time_to_value_hours).where(
            *conditions, col(Customer.time_to_value_hours).is_not(None)
        )
    ).all()
    sent = scope.scope(
        sa_select(func.count()).select_from(Delivery),
        col(Delivery.customer_id),
        col(Delivery.tenant_id),
    ).where(col(Delivery.status) == "sent", col(Delivery.sent_at) >= now - timedelta(days=7))
    return Kpis(
        customers=total,
        in_onboarding=onboarding or 0,
        completion_rate=(graduated or 0) / total if total else None,
        median_time_to_value_hours=statistics.median(v for v in values if v is not None)
        if values
        else None,
        activation_rate=activated / total if total else None,
        at_risk=at_risk or 0,
        at_risk_mrr=float(at_risk_mrr or 0),
        interventions_this_week=session.execute(sent).scalar_one(),
    )
