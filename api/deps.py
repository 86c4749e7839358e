"""Dependencies as `Annotated` aliases, so a route's signature says what it needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Query, Request, status
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from core.api_keys import authenticate
from core.config import Settings
from core.rate_limit import RateLimiter
from core.tenant_playbooks import current_playbook
from models.api_key import Principal, Scope
from models.playbook import Playbook


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine_dep(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def get_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    authorization: Annotated[
        str | None, Header(description="`Bearer <API key>`; or send the key as X-Api-Key.")
    ] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    """The caller's API key: its tenant decides whose data every query touches."""
    token = x_api_key
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <API key>'")
        token = credentials.strip()
    if token is None:
        raise _unauthorized(
            "an API key is required: send 'Authorization: Bearer <key>' (create one with "
            "`onboard keys create`)"
        )
    principal = authenticate(session, token)
    if principal is None:
        raise _unauthorized("the API key is unknown or revoked")
    request.state.principal = principal  # who acted, for the audit trail
    return principal


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def require_scope(*scopes: Scope) -> Callable[[Principal], Principal]:
    """A dependency that lets only keys with one of `scopes` (or admin) through."""

    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not any(principal.allows(scope) for scope in scopes):
            needed = " or ".join(repr(scope.value) for scope in scopes)
            granted = ", ".join(sorted(principal.scopes)) or "none"
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this API key lacks the {needed} scope (it has: {granted})",
            )
        return principal

    return check


def get_tenant(principal: Annotated[Principal, Depends(get_principal)]) -> str:
    return principal.tenant_id


def get_directory_playbook(request: Request) -> Playbook:
    """The version in the playbook directory, which tenants that never edited it follow."""
    settings: Settings = request.app.state.settings
    playbook: Playbook = request.app.state.playbooks[settings.default_playbook]
    return playbook


def get_current_playbook(
    session: Annotated[Session, Depends(get_session)],
    tenant: Annotated[str, Depends(get_tenant)],
    directory: Annotated[Playbook, Depends(get_directory_playbook)],
) -> Playbook:
    """The tenant's current version: the one new journeys start on and reports use."""
    return current_playbook(session, tenant, directory)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
TenantDep = Annotated[str, Depends(get_tenant)]
PlaybookDep = Annotated[Playbook, Depends(get_current_playbook)]
DirectoryPlaybookDep = Annotated[Playbook, Depends(get_directory_playbook)]

Ingest = Depends(require_scope(Scope.INGEST))
Read = Depends(require_scope(Scope.READ))
Admin = Depends(require_scope(Scope.ADMIN))
IngestOrRead = Depends(require_scope(Scope.INGEST, Scope.READ))

MAX_OFFSET = 1_000_000
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A row id (64-bit).")]
"""Ids in paths: anything beyond a 64-bit integer cannot exist (and would overflow the driver)."""
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def get_ingest_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.ingest_limiter
    return limiter


def rate_limited(
    principal: Annotated[Principal, Depends(get_principal)],
    limiter: Annotated[RateLimiter, Depends(get_ingest_limiter)],
) -> None:
    """Each API key has its own budget on the ingest routes."""
    enforce(limiter, f"key:{principal.key_id}", "this API key")


def enforce(limiter: RateLimiter, key: str, who: str) -> None:
    """Spend one request of `key`'s budget; over it, 429 with Retry-After."""
    wait = limiter.take(key)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"{who} sent too many requests; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


RateLimited = Depends(rate_limited)
