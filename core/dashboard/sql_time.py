"""Date arithmetic that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Dialect


def week_start(column: Any, dialect: Dialect) -> Any:
    """The Monday (as a date string) of the week a timestamp falls in, in UTC."""
    if dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date(column, "weekday 0", "-6 days")


def weekday_hour(column: Any, dialect: Dialect) -> Any:
    """'<weekday> <hour>' of a timestamp in UTC, weekday 0 = Sunday (one call per row: the
    heatmap groups a million events by it)."""
    if dialect.name == "postgresql":
        return func.to_char(column, "FMD HH24")  # D: 1 = Sunday; shifted by the caller
    return func.strftime("%w %H", column)
