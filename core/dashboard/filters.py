"""Which customers a dashboard view covers: signup date range, segment, plan, CSM owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import col

from models.customer import Customer

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class PortfolioFilter:
    tenant_id: str
    signed_up_from: datetime | None = None
    signed_up_to: datetime | None = None
    segment: str | None = None
    plan: str | None = None
    owner: str | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the tenant is filtered (joins to customers are needed)."""
        return any(
            v is not None
            for v in (self.signed_up_from, self.signed_up_to, self.segment, self.plan, self.owner)
        )

    def customer_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [col(Customer.tenant_id) == self.tenant_id]
        if self.signed_up_from is not None:
            conditions.append(col(Customer.signed_up_at) >= self.signed_up_from)
        if self.signed_up_to is not None:
            conditions.append(col(Customer.signed_up_at) < self.signed_up_to)
        if self.segment is not None:
            conditions.append(col(Customer.segment) == self.segment)
        if self.plan is not None:
            conditions.append(col(Customer.plan) == self.plan)
        if self.owner is not None:
            conditions.append(col(Customer.csm_owner) == self.owner)
        return conditions

    def scope(self, query: Select[*Ts], customer_id: Any, tenant_id: Any) -> Select[*Ts]:
        """Limit a query over another table to the filtered customers (a join only if needed)."""
        query = query.where(tenant_id == self.tenant_id)
        if not self.narrowed:
            return query
        chosen = select(col(Customer.customer_id)).where(*self.customer_conditions())
        return query.where(customer_id.in_(chosen))
