"""Datetime helpers shared by tables and payloads (SQLite hands back naive datetimes)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def as_utc(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC, convert an aware one to UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of a moment where the customer is (DST included)."""
    return as_utc(moment).astimezone(ZoneInfo(timezone)).date()
