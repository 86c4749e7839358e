"""Dashboard sign-in and sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dashboard.rendering import PAGES
from api.dashboard.session import COOKIE, LOGIN_PATH, checked_csrf, sign_in
from api.deps import SessionDep
from core.rate_limit import RateLimiter

router = APIRouter(prefix="/dashboard", include_in_schema=False)
SESSION_SECONDS = 12 * 3600


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return PAGES.TemplateResponse(request, "login.html.j2", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, session: SessionDep, api_key: Annotated[str, Form(max_length=200)]
) -> Response:
    limiter: RateLimiter = request.app.state.login_limiter
    wait = limiter.take(f"ip:{request.client.host if request.client else 'unknown'}")
    if wait is not None:
        return PAGES.TemplateResponse(
            request,
            "login.html.j2",
            {"error": f"Too many sign-in attempts; try again in {wait} s."},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    if sign_in(session, api_key) is None:
        return PAGES.TemplateResponse(
            request,
            "login.html.j2",
            {"error": "That key is unknown, revoked, or has neither the read nor the admin scope."},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    response = RedirectResponse("/dashboard", status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        api_key.strip(),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/dashboard",
    )
    return response


@router.post("/logout", dependencies=[Depends(checked_csrf)])
def logout() -> Response:
    response = RedirectResponse(LOGIN_PATH, status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/dashboard")
    return response
