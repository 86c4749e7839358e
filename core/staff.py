"""Staff accounts: argon2id password hashes (argon2-cffi), random session tokens stored
hashed, roles mapped onto the same permissions API keys have."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from models.api_key import Principal, Scope
from models.staff import Role, StaffAccount, StaffSession
from models.timeutil import utc_now

SESSION_PREFIX = "ons_"
SESSION_HOURS = 12
MIN_PASSWORD = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has")
ROLE_SCOPES = {
    Role.VIEWER: frozenset({Scope.READ}),
    Role.MANAGER: frozenset({Scope.READ}),
    Role.ADMIN: frozenset({Scope.ADMIN}),
}


class StaffError(ValueError):
    """An account cannot be created as asked; the message says why."""


def create_account(
    session: Session, tenant_id: str, email: str, name: str, role: Role, password: str
) -> StaffAccount:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password needs at least {MIN_PASSWORD} characters")
    if "@" not in email:
        raise StaffError("the email address is not valid")
    email = email.strip().lower()
    if session.exec(select(StaffAccount).where(StaffAccount.email == email)).first():
        raise StaffError(f"an account for {email} exists already")
    account = StaffAccount(
        tenant_id=tenant_id,
        email=email,
        name=name,
        role=role.value,
        password_hash=_hasher.hash(password),
    )
    session.add(account)
    session.flush()
    return account


def check_password(session: Session, email: str, password: str) -> StaffAccount | None:
    """The account if the password is right and the account enabled; the same work either
    way, so timing does not tell which emails exist."""
    account = session.exec(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    ).first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled_at is not None:
        return None
    return account


def start_session(session: Session, account: StaffAccount) -> str:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    assert account.id is not None
    session.add(
        StaffSession(
            staff_id=account.id,
            token_hash=_hash(token),
            expires_at=utc_now() + timedelta(hours=SESSION_HOURS),
        )
    )
    return token


def end_session(session: Session, token: str) -> None:
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == _hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utc_now()
        session.add(row)


def session_principal(session: Session, token: str) -> Principal | None:
    """The staff member behind a live session token, or None."""
    if not token.startswith(SESSION_PREFIX) or len(token) > 100:
        return None
    row = session.exec(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, col(StaffAccount.id) == col(StaffSession.staff_id))
        .where(StaffSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    live, account = row
    if live.revoked_at is not None or live.expires_at <= utc_now() or account.disabled_at:
        return None
    role = Role(account.role)
    return Principal(
        tenant_id=account.tenant_id,
        key_id=0,
        scopes=ROLE_SCOPES[role],
        staff_email=account.email,
        role=role.value,
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DEV_STAFF_EMAIL = "admin@onboard.localhost"


def ensure_dev_staff(session: Session, tenant_id: str, path: Path) -> tuple[str, str]:
    """`onboard dev` only: an admin account for the dashboard with a random password kept in
    the data directory (mode 600), so a newcomer can sign in at once."""
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
        if check_password(session, DEV_STAFF_EMAIL, password) is not None:
            return DEV_STAFF_EMAIL, password
    password = secrets.token_urlsafe(12)
    existing = session.exec(
        select(StaffAccount).where(StaffAccount.email == DEV_STAFF_EMAIL)
    ).first()
    if existing is not None:
        existing.password_hash = _hasher.hash(password)
        existing.disabled_at = None
        session.add(existing)
    else:
        create_account(session, tenant_id, DEV_STAFF_EMAIL, "Dev admin", Role.ADMIN, password)
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return DEV_STAFF_EMAIL, password
