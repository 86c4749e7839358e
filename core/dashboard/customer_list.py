"""The customer list: search, filters, sorting and pages over the mirrored journey columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from core.dashboard.filters import PortfolioFilter
from models.customer import Customer

SORTABLE = {
    "customer_id": Customer.customer_id,
    "name": Customer.name,
    "signed_up_at": Customer.signed_up_at,
    "stage": Customer.stage,
    "health_score": Customer.health_score,
    "risk_level": Customer.risk_level,
    "points": Customer.points,
    "mrr": Customer.mrr,
    "csm_owner": Customer.csm_owner,
}
SortKey = Literal[
    "customer_id",
    "name",
    "signed_up_at",
    "stage",
    "health_score",
    "risk_level",
    "points",
    "mrr",
    "csm_owner",
]


@dataclass(frozen=True)
class CustomerQuery:
    scope: PortfolioFilter
    search: str | None = None
    stage: str | None = None
    risk_level: str | None = None
    sort: SortKey = "signed_up_at"
    descending: bool = True

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = self.scope.customer_conditions()
        if self.search:
            pattern = f"%{self.search.lower()}%"
            conditions.append(
                or_(
                    func.lower(col(Customer.customer_id)).like(pattern),
                    func.lower(col(Customer.name)).like(pattern),
                    func.lower(col(Customer.email)).like(pattern),
                )
            )
        if self.stage:
            conditions.append(col(Customer.stage) == self.stage)
        if self.risk_level:
            conditions.append(col(Customer.risk_level) == self.risk_level)
        return conditions


def find_customers(
    session: Session, query: CustomerQuery, limit: int | None, offset: int = 0
) -> tuple[list[Customer], int]:
    """One page (or, with no limit, every match: the CSV export) and the number of matches."""
    column = col(SORTABLE[query.sort])
    order = column.desc().nulls_last() if query.descending else column.asc().nulls_last()
    statement = (
        select(Customer)
        .where(*query.conditions())
        .order_by(order, col(Customer.customer_id))
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = list(session.exec(statement).all())
    total = session.exec(select(func.count()).select_from(Customer).where(*query.conditions()))
    return rows, total.one()


def filter_options(session: Session, tenant_id: str) -> dict[str, list[str]]:
    """The values each filter can take, for the select boxes."""
    options = {}
    for name, column in (
        ("segment", Customer.segment),
        ("plan", Customer.plan),
        ("owner", Customer.csm_owner),
        ("stage", Customer.stage),
    ):
        values = session.exec(
            select(column).where(Customer.tenant_id == tenant_id).distinct().order_by(column)
        ).all()
        options[name] = [v for v in values if v]
    return options
