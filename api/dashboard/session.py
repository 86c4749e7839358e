"""Dashboard sign-in: CS staff sign in with an API key of their tenant (read or admin), kept in
an HttpOnly, SameSite=Strict cookie; forms that change something carry a CSRF token.

Staff accounts with passwords and roles replace the key sign-in with issue 7.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status
from sqlmodel import Session

from api.deps import DirectoryPlaybookDep, SessionDep, SettingsDep, enforce
from core.api_keys import authenticate
from core.config import Settings
from core.signing import signing_key
from core.staff import SESSION_PREFIX, session_principal
from core.tenant_playbooks import current_playbook
from models.api_key import Principal, Scope
from models.playbook import Playbook

COOKIE = "onboard_session"
LOGIN_PATH = "/dashboard/login"


def _to_login() -> HTTPException:
    return HTTPException(status.HTTP_303_SEE_OTHER, "sign in first", {"Location": LOGIN_PATH})


def staff_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in key; a missing, revoked or ingest-only key goes back to the sign-in page."""
    token = request.cookies.get(COOKIE)
    principal = _principal(session, token) if token else None
    if principal is None or not principal.allows(Scope.READ):
        raise _to_login()
    request.state.principal, request.state.via = principal, "dashboard"
    enforce(request.app.state.dashboard_limiter, principal.actor, "this account")
    return principal


Staff = Annotated[Principal, Depends(staff_principal)]


def csrf_token(settings: Settings, request: Request) -> str:
    """Bound to the session's key: a page of one session cannot post for another."""
    token = request.cookies.get(COOKIE, "")
    digest = hashlib.sha256(token.encode()).hexdigest()
    return hmac.new(signing_key(settings), f"csrf:{digest}".encode(), "sha256").hexdigest()


def checked_csrf(
    request: Request, settings: SettingsDep, csrf: Annotated[str, Form()] = ""
) -> None:
    if not hmac.compare_digest(csrf, csrf_token(settings, request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form is stale or forged: reload it")


def staff_manager(principal: Staff) -> Principal:
    """Staff actions change journeys: managers and admins only."""
    if not principal.can_act:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "this action needs the manager or admin role"
        )
    return principal


def _principal(session: Session, token: str) -> Principal | None:
    """A staff session, or (for automation and first set-up) an API key of read scope."""
    if token.startswith(SESSION_PREFIX):
        return session_principal(session, token)
    return authenticate(session, token)


def sign_in_with_key(session: Session, token: str) -> Principal | None:
    principal = authenticate(session, token.strip())
    return principal if principal is not None and principal.allows(Scope.READ) else None


def staff_playbook(
    principal: Staff, session: SessionDep, directory: DirectoryPlaybookDep
) -> Playbook:
    """The staff member's tenant's current playbook (what the API's key-based one is for keys)."""
    return current_playbook(session, principal.tenant_id, directory)


StaffPlaybook = Annotated[Playbook, Depends(staff_playbook)]
