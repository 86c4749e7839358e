"""Dashboard sign-in and sign-out: staff accounts (email and password), or an API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dashboard.rendering import PAGES
from api.dashboard.session import COOKIE, LOGIN_PATH, checked_csrf, sign_in_with_key
from api.deps import SessionDep
from core.rate_limit import RateLimiter
from core.staff import SESSION_HOURS, check_password, end_session, start_session

router = APIRouter(prefix="/dashboard", include_in_schema=False)
REFUSED = "Wrong email or password, or the account is disabled."
BAD_KEY = "That key is unknown, revoked, or has neither the read nor the admin scope."


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return PAGES.TemplateResponse(request, "login.html.j2", {"error": None})


def _refuse(request: Request, error: str, code: int, wait: int | None = None) -> Response:
    headers = {"Retry-After": str(wait)} if wait is not None else None
    return PAGES.TemplateResponse(
        request, "login.html.j2", {"error": error}, status_code=code, headers=headers
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    api_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Attempts are limited per client address and per account (429 with Retry-After)."""
    limiter: RateLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else "unknown"
    for bucket in (f"ip:{address}", f"email:{email.strip().lower()}" if email else None):
        wait = limiter.take(bucket) if bucket else None
        if wait is not None:
            message = f"Too many sign-in attempts; try again in {wait} s."
            return _refuse(request, message, status.HTTP_429_TOO_MANY_REQUESTS, wait)
    if api_key:
        if sign_in_with_key(session, api_key) is None:
            return _refuse(request, BAD_KEY, status.HTTP_401_UNAUTHORIZED)
        token = api_key.strip()
    else:
        account = check_password(session, email, password)
        if account is None:
            return _refuse(request, REFUSED, status.HTTP_401_UNAUTHORIZED)
        token = start_session(session, account)
        session.commit()
    response = RedirectResponse("/dashboard", status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/dashboard",
    )
    return response


@router.post("/logout", dependencies=[Depends(checked_csrf)])
def logout(request: Request, session: SessionDep) -> Response:
    """Ends the session on the server too: a copied cookie is dead afterwards."""
    token = request.cookies.get(COOKIE)
    if token:
        end_session(session, token)
        session.commit()
    response = RedirectResponse(LOGIN_PATH, status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/dashboard")
    return response
