"""Customers: attributes in, attributes plus live journey state out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlmodel import Session, col, func, select

from api.deps import (
    Ingest,
    IngestOrRead,
    Offset,
    PlaybookDep,
    RateLimited,
    Read,
    RowId,
    SessionDep,
    SettingsDep,
    TemporalDep,
    TenantDep,
)
from api.journeys import ensure_journey, journey_input, journey_state
from core.customers import find_customer
from core.db import ensure_tenant
from models.customer import (
    Customer,
    CustomerCreate,
    CustomerDetail,
    CustomerPublic,
    CustomersPublic,
)
from models.delivery import InAppMessage, InAppMessagePublic, InboxPublic
from models.journey import journey_workflow_id
from models.playbook import PlaybookRef
from models.timeutil import as_utc, utc_now

router = APIRouter(prefix="/v1/customers", tags=["customers"])


def public(customer: Customer) -> CustomerPublic:
    return CustomerPublic.model_validate(
        {
            **customer.model_dump(),
            "signed_up_at": as_utc(customer.signed_up_at),
            "workflow_id": journey_workflow_id(customer.tenant_id, customer.customer_id),
        }
    )


def existing_customer(session: Session, tenant: str, customer_id: str) -> Customer:
    customer = find_customer(session, tenant, customer_id)
    if customer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"customer {customer_id!r} not found")
    return customer


@router.post(
    "",
    dependencies=[Ingest, RateLimited],
    responses={200: {"description": "updated"}, 201: {"description": "created"}},
)
async def upsert_customer(
    body: CustomerCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    playbook: PlaybookDep,
    tenant: TenantDep,
) -> CustomerPublic:
    """Create or update a customer and make sure its journey is running."""
    ensure_tenant(session, tenant)
    customer = find_customer(session, tenant, body.customer_id)
    created = customer is None
    if customer is None:
        customer = Customer(
            tenant_id=tenant,
            customer_id=body.customer_id,
            signed_up_at=body.signed_up_at or utc_now(),
        )
    # The signup moment is set once, at creation (an explicit null there means "now").
    for field, value in body.model_dump(exclude_unset=True).items():
        if field not in {"customer_id", "signed_up_at"}:
            setattr(customer, field, value)
    customer.updated_at = utc_now()
    session.add(customer)
    session.commit()
    session.refresh(customer)
    ref = PlaybookRef(name=playbook.name, version=playbook.version)
    journey = journey_input(tenant, customer.customer_id, as_utc(customer.signed_up_at), ref)
    await ensure_journey(temporal, settings.task_queue, journey)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return public(customer)


@router.get("", dependencies=[Read])
def list_customers(
    session: SessionDep,
    tenant: TenantDep,
    plan: str | None = None,
    segment: str | None = None,
    industry: str | None = None,
    csm_owner: str | None = None,
    stage: str | None = None,
    journey_status: str | None = None,
    risk_level: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> CustomersPublic:
    """Customers of this tenant, filtered on stored attributes and the mirrored journey."""
    filters = [col(Customer.tenant_id) == tenant]
    for column, value in (
        (Customer.plan, plan),
        (Customer.segment, segment),
        (Customer.industry, industry),
        (Customer.csm_owner, csm_owner),
        (Customer.stage, stage),
        (Customer.journey_status, journey_status),
        (Customer.risk_level, risk_level),
    ):
        if value is not None:
            filters.append(col(column) == value)
    count = session.exec(select(func.count()).select_from(Customer).where(*filters)).one()
    rows = session.exec(
        select(Customer)
        .where(*filters)
        .order_by(col(Customer.customer_id))
        .offset(offset)
        .limit(limit)
    ).all()
    return CustomersPublic(data=[public(c) for c in rows], count=count)


@router.get("/{customer_id}", dependencies=[Read])
async def get_customer(
    customer_id: str, session: SessionDep, temporal: TemporalDep, tenant: TenantDep
) -> CustomerDetail:
    """Stored attributes plus the journey's live state, straight from the workflow."""
    customer = existing_customer(session, tenant, customer_id)
    state, error = await journey_state(temporal, tenant, customer_id)
    return CustomerDetail.model_validate(
        {**public(customer).model_dump(), "journey": state, "journey_error": error}
    )


@router.get("/{customer_id}/inbox", dependencies=[IngestOrRead])
def get_inbox(customer_id: str, session: SessionDep, tenant: TenantDep) -> InboxPublic:
    """In-app messages for the product to show, newest first."""
    existing_customer(session, tenant, customer_id)
    messages = session.exec(
        select(InAppMessage)
        .where(InAppMessage.tenant_id == tenant, InAppMessage.customer_id == customer_id)
        .order_by(col(InAppMessage.created_at).desc(), col(InAppMessage.id).desc())
    ).all()
    return InboxPublic(
        data=[
            InAppMessagePublic.model_validate(
                {
                    **m.model_dump(),
                    "created_at": as_utc(m.created_at),
                    "read_at": as_utc(m.read_at) if m.read_at else None,
                }
            )
            for m in messages
        ],
        unread=sum(1 for m in messages if m.read_at is None),
    )


@router.post("/{customer_id}/inbox/{message_id}/read", dependencies=[Ingest])
def mark_read(
    customer_id: str, message_id: RowId, session: SessionDep, tenant: TenantDep
) -> InAppMessagePublic:
    """Mark one message read (idempotent: reading twice keeps the first time)."""
    message = session.exec(
        select(InAppMessage).where(
            InAppMessage.tenant_id == tenant,
            InAppMessage.customer_id == customer_id,
            InAppMessage.id == message_id,
        )
    ).first()
    if message is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"message {message_id} not found for {customer_id!r}"
        )
    if message.read_at is None:
        message.read_at = utc_now()
        session.add(message)
        session.commit()
        session.refresh(message)
    return InAppMessagePublic.model_validate(
        {
            **message.model_dump(),
            "created_at": as_utc(message.created_at),
            "read_at": as_utc(message.read_at) if message.read_at else None,
        }
    )
