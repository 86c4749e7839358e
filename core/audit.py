"""Writing the audit log: one row per staff or admin action that went through."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from core.db import session_scope
from models.audit import AuditEntry

REDACTED = "[redacted]"
SECRET_WORDS = ("secret", "password", "api_key", "token", "csrf")


def redact(value: Any) -> Any:
    """Secrets never reach the log, whatever the request carried."""
    if isinstance(value, dict):
        return {
            k: REDACTED if any(w in str(k).lower() for w in SECRET_WORDS) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def record(engine: Engine, entry: AuditEntry) -> None:
    with session_scope(engine) as session:
        session.add(entry)
