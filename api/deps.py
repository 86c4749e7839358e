"""Dependencies as `Annotated` aliases, so a route's signature says what it needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from core.config import Settings
from core.tenant_playbooks import current_playbook
from models.playbook import Playbook

TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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


def get_tenant(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    x_tenant_id: Annotated[str | None, Header()] = None,
) -> str:
    """The request's tenant; API keys replace the header with the key's tenant later."""
    tenant = x_tenant_id if x_tenant_id is not None else settings.default_tenant
    if not TENANT_PATTERN.match(tenant):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "X-Tenant-Id must be 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter "
            "or digit",
        )
    return tenant


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
