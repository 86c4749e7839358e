"""Column types shared by the tables: timezone-aware datetimes and portable JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime


def utc_datetime_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def json_column() -> Any:
    return Column(JSON, nullable=False)
