"""The `deliveries` row that makes each message exactly once in effect: claimed by its
idempotency key before sending, finished with the outcome after (shared by every channel)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import insert_or_ignore, session_scope
from models.delivery import Delivery, DeliveryStatus
from models.timeutil import utc_now


def find_delivery(session: Session, key: str) -> Delivery | None:
    return session.exec(select(Delivery).where(col(Delivery.idempotency_key) == key)).first()


def claim_delivery(session: Session, row: dict[str, Any]) -> None:
    """Written once: the unique idempotency key is the guard (a retry inserts nothing)."""
    insert_or_ignore(session, Delivery, [{"created_at": utc_now(), **row}], ["idempotency_key"])


def finish_delivery(
    engine: Engine,
    key: str,
    status: DeliveryStatus,
    *,
    message_id: str | None = None,
    error: str | None = None,
) -> None:
    with session_scope(engine) as session:
        delivery = find_delivery(session, key)
        if delivery is None:
            return
        delivery.status = status
        delivery.message_id = message_id
        delivery.error = error
        delivery.sent_at = utc_now() if status == DeliveryStatus.SENT else None
        session.add(delivery)
