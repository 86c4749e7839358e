"""Thirty simulated days of one customer, on the time-skipping server with the real activities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities import journey_activities
from core.binaries import find_binary
from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from core.playbooks import sync_playbooks
from core.temporal import register_search_attributes
from models.customer import Customer
from models.delivery import InAppMessage
from models.journey import JourneyInput, JourneySnapshot, ProductEvent, Stage, journey_workflow_id
from models.playbook import PlaybookRef
from tests.factories import product_event
from tests.helpers import new_worker
from tests.smtp_sink import SmtpSink
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.search_attributes import start_search_attributes


@pytest.fixture
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        await register_search_attributes(env.client, "default")
        yield env
    finally:
        await env.shutdown()


def seed_customer(settings: Settings, customer_id: str) -> PlaybookRef:
    engine = get_engine(settings)
    playbook = sync_playbooks(engine, settings.playbook_dir)["default"]
    with session_scope(engine) as session:
        ensure_tenant(session, "acme")
        session.add(
            Customer(
                tenant_id="acme", customer_id=customer_id, email="dana@example.test", name="Dana"
            )
        )
    return PlaybookRef(name=playbook.name, version=playbook.version)


async def start_journey(
    client: Client, task_queue: str, ref: PlaybookRef, customer_id: str, first: ProductEvent
) -> WorkflowHandle[CustomerJourneyWorkflow, None]:
    return await client.start_workflow(
        CustomerJourneyWorkflow.run,
        JourneyInput(
            tenant_id="acme", customer_id=customer_id, playbook=ref, signup_at=first.occurred_at
        ),
        id=journey_workflow_id("acme", customer_id),
        task_queue=task_queue,
        start_signal="record_event",
        start_signal_args=[first],
        search_attributes=start_search_attributes("acme"),
    )


async def test_quiet_customer_gets_nudged_on_the_right_days(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    engine = get_engine(sqlite_settings)
    client = skipping_env.client
    signup = await skipping_env.get_current_time()
    worker = new_worker(
        client, CustomerJourneyWorkflow, activities=journey_activities(engine, sqlite_settings)
    )
    async with worker:
        handle = await start_journey(
            client,
            worker.task_queue,
            ref,
            customer_id,
            product_event("user.email_verified", signup, "e1"),
        )
        await handle.signal(
            CustomerJourneyWorkflow.record_event,
            product_event("project.created", signup + timedelta(minutes=20), "e2"),
        )
        await skipping_env.sleep(timedelta(days=31))
        state: JourneySnapshot = await handle.query(CustomerJourneyWorkflow.state)

    nudge_days = [
        (record.milestone_key, record.channel, (record.at - signup).days)
        for record in state.interventions
    ]
    assert nudge_days == [
        ("profile_completed", "email", 3),
        ("profile_completed", "inapp", 3),
        ("teammate_invited", "email", 7),
        ("teammate_invited", "inapp", 7),
        ("integration_connected", "email", 14),
        ("integration_connected", "inapp", 14),
        ("first_report", "email", 30),
        ("first_report", "inapp", 30),
    ]
    assert all(record.status == "sent" for record in state.interventions)
    assert [m.key for m in state.milestones if m.state == "done"] == [
        "email_verified",
        "first_project",
    ]
    assert state.points == 40
    assert state.stage is Stage.STALLED
    assert state.events_processed == 2
    assert state.last_score is not None and state.last_score.score is not None
    assert state.next_wakeup_reason == "day 60 recurring check-in"

    subjects = [message["Subject"] for message in smtp_sink.messages]
    assert subjects == [
        "Dana, one step left: Complete your workspace profile",
        "Dana, one step left: Invite a teammate",
        "Dana, one step left: Connect an integration",
        "Dana, one step left: Share your first report",
    ]
    assert {message["To"] for message in smtp_sink.messages} == {"dana@example.test"}
    with session_scope(engine) as session:
        inbox = session.exec(
            select(InAppMessage).where(InAppMessage.customer_id == customer_id)
        ).all()
        stored = session.exec(select(Customer).where(Customer.customer_id == customer_id)).one()
    assert len(inbox) == 4
    assert stored.stage == "stalled" and stored.points == 40 and stored.health_score is not None


async def test_duplicate_events_have_no_second_effect(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    engine = get_engine(sqlite_settings)
    client = skipping_env.client
    signup = await skipping_env.get_current_time()
    worker = new_worker(
        client, CustomerJourneyWorkflow, activities=journey_activities(engine, sqlite_settings)
    )
    first = product_event("project.created", signup, "dup-1")
    async with worker:
        handle = await start_journey(client, worker.task_queue, ref, customer_id, first)
        for _ in range(3):
            await handle.signal(CustomerJourneyWorkflow.record_event, first)
        await skipping_env.sleep(timedelta(hours=1))
        state = await handle.query(CustomerJourneyWorkflow.state)
    assert state.events_processed == 1
    assert state.points == 30
    assert state.stage is Stage.ACTIVATED
