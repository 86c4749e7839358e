"""Nightly portfolio scoring on the dev server: batch scores, mirrors, signals, schedule."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities import journey_activities
from activities.health import compute_score
from activities.portfolio import score_portfolio
from bench.synthetic import as_import_rows, generate
from core.backfill import import_events
from core.config import Settings
from core.db import get_engine, session_scope
from core.playbooks import store_playbook, sync_playbooks
from core.schedules import PORTFOLIO_SCHEDULE_ID, ensure_portfolio_schedule
from models.cohort import CohortReference
from models.customer import Customer
from models.event import EventCreate
from models.health import PortfolioRequest, RiskLevel
from models.journey import journey_workflow_id
from models.override import HealthOverride
from models.playbook import HealthConfig, Playbook, PlaybookRef
from models.score import HealthScoreRecord
from tests.helpers import assert_eq_eventually, new_worker
from tests.stack import Stack, running_stack
from workflows.portfolio_workflow import PortfolioInput, PortfolioScoringWorkflow

CUSTOMERS = 24


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, sqlite_settings: Settings) -> AsyncIterator[Stack]:
    async with running_stack(dev_env, sqlite_settings, with_worker=False) as running:
        yield running


def seed(settings: Settings, as_of: datetime) -> PlaybookRef:
    """Synthetic history ending near `as_of`, and yesterday's score 'healthy' for everyone."""
    engine = get_engine(settings)
    tenant = settings.default_tenant
    shift = as_of - (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=150))
    rows = as_import_rows(generate(CUSTOMERS, seed=9))
    events = [
        EventCreate.model_validate(
            {**row, "occurred_at": datetime.fromisoformat(str(row["occurred_at"])) + shift}
        )
        for row in rows
        if row["name"] not in ("customer.churned", "customer.renewed")
        and datetime.fromisoformat(str(row["occurred_at"])) + shift <= as_of  # no future events
    ]
    import_events(engine, tenant, events)
    playbook = sync_playbooks(engine, settings.playbook_dir)["default"]
    with session_scope(engine) as session:
        for customer_id in session.exec(
            select(Customer.customer_id).where(Customer.tenant_id == tenant)
        ).all():
            session.add(
                HealthScoreRecord(
                    tenant_id=tenant,
                    customer_id=customer_id,
                    idempotency_key=f"yesterday/{customer_id}",
                    computed_at=as_of - timedelta(days=1),
                    score=90.0,
                    risk_level="healthy",
                    confidence=1.0,
                    components=[],
                    drivers=[],
                )
            )
    return PlaybookRef(name=playbook.name, version=playbook.version)


def stored_scores(settings: Settings) -> int:
    with session_scope(get_engine(settings)) as session:
        return session.exec(select(func.count()).select_from(HealthScoreRecord)).one()


async def test_portfolio_run_scores_everyone_and_signals_only_the_moved(
    stack: Stack, dev_env: WorkflowEnvironment
) -> None:
    settings = stack.settings
    as_of = datetime.now(UTC)
    playbook = seed(settings, as_of)
    engine = get_engine(settings)
    with_journeys = ["c00000", "c00001", "c00002", "c00003", "c00004", "c00005"]
    for customer_id in with_journeys:
        await stack.http.post("/v1/customers", json={"customer_id": customer_id})
    # The journeys stay idle (no worker on their queue): the run must not race their check-ins.
    worker = new_worker(
        dev_env.client,
        PortfolioScoringWorkflow,
        activities=journey_activities(engine, settings),
    )
    async with worker:
        summary = await dev_env.client.execute_workflow(
            PortfolioScoringWorkflow.run,
            PortfolioInput(playbook=playbook, tenant_ids=[settings.default_tenant]),
            id=f"portfolio-{uuid.uuid4()}",
            task_queue=worker.task_queue,
        )
    [result] = summary.tenants
    assert result.scored == CUSTOMERS
    moved = {change.customer_id: change for change in result.changed}
    assert moved, "some synthetic customers must have left 'healthy'"
    assert len(moved) < CUSTOMERS, "and some must have stayed"
    assert all(change.previous is RiskLevel.HEALTHY for change in moved.values())
    signalled = [c for c in with_journeys if c in moved]
    assert summary.signalled == len(signalled)
    assert summary.without_journey == len(moved) - len(signalled)
    for customer_id in with_journeys:
        received = await risk_signals(dev_env.client, settings, customer_id)
        assert received == ([moved[customer_id].current.value] if customer_id in moved else [])

    assert stored_scores(settings) == 2 * CUSTOMERS
    with session_scope(engine) as session:
        mirrored = session.exec(
            select(Customer).where(Customer.tenant_id == settings.default_tenant)
        ).all()
        assert all(c.health_score is not None and c.risk_level for c in mirrored)
        record = session.exec(
            select(HealthScoreRecord).where(
                HealthScoreRecord.customer_id == "c00007",
                HealthScoreRecord.idempotency_key != "yesterday/c00007",
            )
        ).one()
        # The batch path and the per-customer path agree, through the database.
        single = compute_score(
            session,
            settings.default_tenant,
            "c00007",
            playbook_health(settings),
            record.computed_at,
        )
    assert single.score == record.score
    assert single.risk_level.value == record.risk_level


def playbook_health(settings: Settings) -> HealthConfig:
    return sync_playbooks(get_engine(settings), settings.playbook_dir)["default"].health


async def risk_signals(client: Client, settings: Settings, customer_id: str) -> list[str]:
    """The risk levels this journey was signalled, read from its history."""
    handle = client.get_workflow_handle(journey_workflow_id(settings.default_tenant, customer_id))
    history = await handle.fetch_history()
    levels = []
    for event in history.events:
        if event.HasField("workflow_execution_signaled_event_attributes"):
            attributes = event.workflow_execution_signaled_event_attributes
            if attributes.signal_name == "risk_changed":
                payload = json.loads(attributes.input.payloads[0].data)
                levels.append(payload["current"])
    return levels


def test_a_retried_run_stores_nothing_twice_and_finds_the_same_changes(
    sqlite_settings: Settings,
) -> None:
    as_of = datetime.now(UTC)
    playbook = seed(sqlite_settings, as_of)
    request = PortfolioRequest(
        tenant_id=sqlite_settings.default_tenant,
        playbook_name=playbook.name,
        playbook_version=playbook.version,
        as_of=as_of,
        run_key="portfolio/test/run-1",
    )
    engine = get_engine(sqlite_settings)
    first = score_portfolio(engine, request)
    second = score_portfolio(engine, request)
    assert stored_scores(sqlite_settings) == 2 * CUSTOMERS
    assert [c.customer_id for c in first.changed] == [c.customer_id for c in second.changed]


async def test_nightly_schedule_is_created_once_and_runs(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    playbook = seed(sqlite_settings, datetime.now(UTC))
    client = dev_env.client
    assert await ensure_portfolio_schedule(client, sqlite_settings, playbook) is True
    handle = client.get_schedule_handle(PORTFOLIO_SCHEDULE_ID)
    try:
        assert await ensure_portfolio_schedule(client, sqlite_settings, playbook) is False
        next_run = (await handle.describe()).info.next_action_times[0]
        assert (next_run.hour, next_run.minute) == (2, 0)
        worker = new_worker(
            client,
            PortfolioScoringWorkflow,
            activities=journey_activities(get_engine(sqlite_settings), sqlite_settings),
            task_queue=sqlite_settings.task_queue,
        )
        async with worker:
            await handle.trigger()

            async def runs_done() -> int:
                return (await handle.describe()).info.num_actions

            await assert_eq_eventually(1, runs_done)

            async def scores_stored() -> int:
                return stored_scores(sqlite_settings)

            await assert_eq_eventually(2 * CUSTOMERS, scores_stored, timeout=30)
    finally:
        await handle.delete()


def test_the_nightly_run_keeps_a_manual_override(sqlite_settings: Settings) -> None:
    as_of = datetime.now(UTC)
    playbook = seed(sqlite_settings, as_of)
    engine = get_engine(sqlite_settings)
    with session_scope(engine) as session:
        session.add(
            HealthOverride(
                tenant_id=sqlite_settings.default_tenant,
                customer_id="c00003",
                component="overall",
                score=7.0,
                reason="legal dispute",
                author="kim",
                created_at=as_of - timedelta(hours=1),
                expires_at=as_of + timedelta(days=3),
            )
        )
    request = PortfolioRequest(
        tenant_id=sqlite_settings.default_tenant,
        playbook_name=playbook.name,
        playbook_version=playbook.version,
        as_of=as_of,
        run_key="portfolio/test/override",
    )
    score_portfolio(engine, request)
    with session_scope(engine) as session:
        record = session.exec(
            select(HealthScoreRecord).where(
                HealthScoreRecord.idempotency_key == "portfolio/test/override/c00003"
            )
        ).one()
    assert (record.score, record.risk_level) == (7.0, "at_risk")
    assert record.overrides and record.overrides[0]["reason"] == "legal dispute"


def test_cohort_percentiles_through_the_database(sqlite_settings: Settings) -> None:
    as_of = datetime.now(UTC)
    seed(sqlite_settings, as_of)
    engine = get_engine(sqlite_settings)
    default = sync_playbooks(engine, sqlite_settings.playbook_dir)["default"]
    health = default.health.model_copy(update={"normalisation": "cohort_percentile"})
    percentile = Playbook.model_validate({**default.model_dump(), "health": health.model_dump()})
    with session_scope(engine) as session:
        store_playbook(session, percentile)
    request = PortfolioRequest(
        tenant_id=sqlite_settings.default_tenant,
        playbook_name=percentile.name,
        playbook_version=percentile.version,
        as_of=as_of,
        run_key="portfolio/test/percentile",
    )
    score_portfolio(engine, request)
    with session_scope(engine) as session:
        cohorts = session.exec(select(CohortReference.cohort)).all()
        record = session.exec(
            select(HealthScoreRecord).where(
                HealthScoreRecord.idempotency_key == "portfolio/test/percentile/c00005"
            )
        ).one()
        customer = session.exec(select(Customer).where(Customer.customer_id == "c00005")).one()
        single = compute_score(
            session, sqlite_settings.default_tenant, "c00005", health, record.computed_at
        )
    assert sorted(cohorts) == ["segment=none"]  # imported customers have no segment yet
    assert customer.segment is None
    assert record.normalisation == "cohort_percentile (segment=none)"
    assert (single.score, single.normalisation) == (record.score, record.normalisation)
