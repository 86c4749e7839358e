"""Column types shared by the tables: timezone-aware datetimes and portable JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database: SQLite keeps no offset, so values come
    back naive there; this puts UTC back (and stores every value in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def utc_datetime_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Column(UtcDateTime(), nullable=nullable, index=index)


def json_column() -> Any:
    return Column(JSON, nullable=False)
