"""The audience of a campaign run: the tenant's customers, page by page in id order."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from models.customer import Customer
from workflows import activity_names


class AudiencePage(BaseModel):
    tenant_id: str
    after: str | None = None
    limit: int = Field(default=500, ge=1, le=5000)


class CampaignActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=activity_names.LIST_AUDIENCE)
    def list_audience(self, page: AudiencePage) -> list[str]:
        """Customer ids after `after`; the segment is judged by each journey, on live state."""
        query = select(Customer.customer_id).where(Customer.tenant_id == page.tenant_id)
        if page.after is not None:
            query = query.where(col(Customer.customer_id) > page.after)
        with Session(self._engine) as session:
            ids = session.exec(query.order_by(col(Customer.customer_id)).limit(page.limit))
            return list(ids.all())
