"""Creating, checking and revoking API keys.

A key is `onb_` + 32 random bytes (URL-safe base64), so a plain SHA-256 is enough to store it:
there is nothing to brute-force. The secret is returned once, at creation, and never again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session, col, select

from core.db import ensure_tenant
from models.api_key import ApiKey, Principal, Scope
from models.timeutil import utc_now

KEY_PREFIX = "onb_"
TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""Tenant ids become part of workflow ids and search attributes."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    session: Session, tenant_id: str, name: str, scopes: Iterable[Scope]
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its secret (the only time the secret is known)."""
    if not TENANT_PATTERN.match(tenant_id):
        raise ValueError(
            "a tenant id is 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter "
            "or digit"
        )
    chosen = sorted({Scope(scope).value for scope in scopes})
    if not chosen:
        raise ValueError("a key needs at least one scope: ingest, read or admin")
    ensure_tenant(session, tenant_id)
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant_id,
        name=name,
        prefix=token[: len(KEY_PREFIX) + 8],
        secret_hash=_hash(token),
        scopes=chosen,
    )
    session.add(key)
    session.flush()
    return key, token


def authenticate(session: Session, token: str) -> Principal | None:
    """The caller behind a key, or None for an unknown or revoked one."""
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.secret_hash == _hash(token))).first()
    if key is None or key.revoked_at is not None or key.id is None:
        return None
    return Principal(
        tenant_id=key.tenant_id, key_id=key.id, scopes=frozenset(Scope(s) for s in key.scopes)
    )


def list_keys(session: Session, tenant_id: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return list(session.exec(query).all())


def revoke_key(session: Session, key_id: int, tenant_id: str | None = None) -> ApiKey | None:
    """Revoke at once; revoking twice keeps the first time. None if there is no such key."""
    key = session.get(ApiKey, key_id)
    if key is None or (tenant_id is not None and key.tenant_id != tenant_id):
        return None
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
        session.flush()
    return key


def ensure_dev_key(session: Session, tenant_id: str, path: Path) -> str:
    """`onboard dev` only: an admin key for the local tenant, kept in the data directory so
    the walk-through's curl commands work after a restart; a fresh one if it was revoked."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if authenticate(session, token) is not None:
            return token
    _, token = create_key(session, tenant_id, "onboard dev", [Scope.ADMIN])
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return token
