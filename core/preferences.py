"""Customers' channel and category preferences, and the signed unsubscribe links in emails."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.config import Settings
from core.signing import sign
from models.preference import ANY, Preference
from models.timeutil import utc_now


def is_unsubscribed(
    session: Session, tenant_id: str, customer_id: str, channel: str, category: str
) -> bool:
    """The most specific stored preference decides; none means subscribed."""
    rows = session.exec(
        select(Preference).where(
            Preference.tenant_id == tenant_id,
            Preference.customer_id == customer_id,
            col(Preference.channel).in_([channel, ANY]),
            col(Preference.category).in_([category, ANY]),
        )
    ).all()
    if not rows:
        return False
    most_specific = max(rows, key=lambda p: (p.channel != ANY) * 2 + (p.category != ANY))
    return not most_specific.subscribed


def set_preference(
    session: Session,
    tenant_id: str,
    customer_id: str,
    channel: str,
    category: str,
    subscribed: bool,
    source: str,
) -> Preference:
    row = session.exec(
        select(Preference).where(
            Preference.tenant_id == tenant_id,
            Preference.customer_id == customer_id,
            Preference.channel == channel,
            Preference.category == category,
        )
    ).first()
    if row is None:
        row = Preference(
            tenant_id=tenant_id,
            customer_id=customer_id,
            channel=channel,
            category=category,
            subscribed=subscribed,
        )
    row.subscribed = subscribed
    row.source = source
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    return row


def unsubscribe_url(
    settings: Settings, tenant_id: str, customer_id: str, channel: str, category: str
) -> str:
    token = sign(settings, {"t": tenant_id, "c": customer_id, "ch": channel, "cat": category})
    return f"{settings.public_url.rstrip('/')}/v1/unsubscribe/{token}"
