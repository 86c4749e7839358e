"""Tenants: every customer-data row names one."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from models.columns import utc_datetime_column
from models.timeutil import utc_now


class TenantSettingsBase(SQLModel):
    """Where a tenant's messages come from and go to; unset means the deployment's default."""

    email_sender: str | None = Field(
        default=None, max_length=320, description="From: of the tenant's emails."
    )
    slack_webhook_url: str | None = Field(default=None, max_length=2000)
    webhook_url: str | None = Field(default=None, max_length=2000)
    fallback_owner: str | None = Field(
        default=None,
        max_length=200,
        description="Gets CS tasks of customers without an owner and tasks whose SLA lapsed.",
    )


class Tenant(TenantSettingsBase, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    webhook_secret: str | None = Field(
        default=None, max_length=200, description="Signs outgoing webhooks (HMAC-SHA256)."
    )
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_datetime_column())


class TenantSettingsUpdate(TenantSettingsBase):
    """All settings at once (PUT); `webhook_secret` left out keeps the stored one."""

    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)

    @field_validator("slack_webhook_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("email_sender")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1]:
            raise ValueError("must be an email address, optionally with a name: Name <a@b.c>")
        return value


class TenantSettingsPublic(TenantSettingsBase):
    webhook_secret_set: bool
