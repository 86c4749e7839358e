"""Looking up a customer always by tenant and external id together."""

from __future__ import annotations

from sqlmodel import Session, select

from models.customer import Customer


def find_customer(session: Session, tenant_id: str, customer_id: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.customer_id == customer_id)
    ).first()
