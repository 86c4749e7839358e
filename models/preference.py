"""What each customer agreed to receive, per channel and category."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now

ANY = "any"


class PreferenceBase(SQLModel):
    channel: str = Field(
        default=ANY, max_length=16, schema_extra={"pattern": "^(any|email|slack|webhook|inapp)$"}
    )
    category: str = Field(default=ANY, max_length=64, schema_extra={"pattern": "^[a-z][a-z0-9_]*$"})
    subscribed: bool


class Preference(PreferenceBase, table=True):
    __tablename__ = "preferences"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "customer_id", "channel", "category", name="uq_preference_scope"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    customer_id: str = Field(max_length=128, index=True)
    source: str = Field(default="api", max_length=32, description="api or unsubscribe link")
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())


class PreferenceUpdate(PreferenceBase):
    pass


class PreferencePublic(PreferenceBase):
    source: str
    updated_at: datetime
