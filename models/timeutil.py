"""Datetime helpers shared by tables and payloads (SQLite hands back naive datetimes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones


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


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def sane_moment(moment: datetime, field: str) -> datetime:
    """A client's timestamp: with an offset, not before 2000 and not more than a day ahead
    (clock skew), so a typo cannot put an event in year 6089 or 0001."""
    if moment.tzinfo is None:
        raise ValueError(f"{field} must carry a timezone offset, e.g. 2026-01-01T09:00:00Z")
    try:
        converted = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{field} is out of range") from None
    if not EARLIEST <= converted <= utc_now() + FUTURE_SLACK:
        raise ValueError(f"{field} must be between 2000-01-01 and a day from now")
    return converted


def known_timezone(value: str) -> str:
    """An IANA timezone name this machine knows, or a ValueError naming it."""
    if value not in available_timezones():
        raise ValueError(f"unknown IANA timezone {value!r}")
    return value
