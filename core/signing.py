"""Signed tokens for links customers click without an API key (unsubscribe).

The secret comes from SIGNING_SECRET, or, for a local installation, a random one created once
in the data directory (never in the repository).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from core.config import Settings

SECRET_FILE = "signing-secret"


def signing_key(settings: Settings) -> bytes:
    if settings.signing_secret is not None:
        return settings.signing_secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode()


def sign(settings: Settings, payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    mac = hmac.new(signing_key(settings), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def verify(settings: Settings, token: str) -> dict[str, Any] | None:
    """The payload of a token this installation signed, or None for anything else."""
    if not token.isascii():
        return None
    body, _, mac = token.partition(".")
    expected = hmac.new(signing_key(settings), body.encode(), hashlib.sha256).hexdigest()
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` HMAC-SHA256 over `<timestamp>.<body>`, like Stripe's scheme: a receiver checks the
    signature and refuses old timestamps (replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
