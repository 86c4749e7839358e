"""Thirty simulated days of one customer, on the time-skipping server with the real activities."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.db import get_engine, session_scope
from models.customer import Customer
from models.delivery import InAppMessage
from models.health import RiskChange, RiskLevel
from models.journey import Stage
from tests.factories import product_event
from tests.smtp_sink import SmtpSink
from tests.workflows.journey_scenarios import (
    journey_worker,
    run_quiet_customer,
    seed_customer,
    start_journey,
)
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.search_attributes import HEALTH_SCORE, RISK_LEVEL


async def test_quiet_customer_gets_nudged_on_the_right_days(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    run = await run_quiet_customer(skipping_env, sqlite_settings)
    state, signup = run.state, run.signup
    customer_id = state.customer_id

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
    with session_scope(get_engine(sqlite_settings)) as session:
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
    signup = await skipping_env.get_current_time()
    worker = journey_worker(skipping_env, sqlite_settings)
    first = product_event("project.created", signup, "dup-1")
    async with worker:
        handle = await start_journey(skipping_env, worker.task_queue, ref, customer_id, first)
        for _ in range(3):
            await handle.signal(CustomerJourneyWorkflow.record_event, first)
        await skipping_env.sleep(timedelta(hours=1))
        state = await handle.query(CustomerJourneyWorkflow.state)
    assert state.events_processed == 1
    assert state.points == 30
    assert state.stage is Stage.ACTIVATED


async def test_continue_as_new_carries_progress_and_the_dedup_set(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    signup = await skipping_env.get_current_time()
    worker = journey_worker(skipping_env, sqlite_settings)
    events = [
        product_event("user.email_verified", signup, "n1"),
        product_event("project.created", signup, "n2"),
        product_event("page.viewed", signup, "n3"),
        product_event("user.invited", signup, "n4"),
    ]
    async with worker:
        handle = await start_journey(
            skipping_env, worker.task_queue, ref, customer_id, events[0], events_per_run=2
        )
        first_run = (await handle.describe()).run_id
        for event in events[1:]:
            await handle.signal(CustomerJourneyWorkflow.record_event, event)
        await skipping_env.sleep(timedelta(hours=1))
        for event in events:
            await handle.signal(CustomerJourneyWorkflow.record_event, event)
        await skipping_env.sleep(timedelta(hours=1))
        state = await handle.query(CustomerJourneyWorkflow.state)
        latest_run = (await handle.describe()).run_id
    assert latest_run != first_run
    assert state.events_processed == 4
    assert state.points == 10 + 30 + 20
    assert state.stage is Stage.ACTIVATED


async def test_risk_change_from_the_nightly_batch_is_published_at_once(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    signup = await skipping_env.get_current_time()
    async with journey_worker(skipping_env, sqlite_settings) as worker:
        handle = await start_journey(
            skipping_env, worker.task_queue, ref, customer_id, product_event("page.viewed", signup)
        )
        await skipping_env.sleep(timedelta(days=2))
        change = RiskChange(
            customer_id=customer_id,
            previous=RiskLevel.WATCH,
            current=RiskLevel.AT_RISK,
            score=12.5,
            computed_at=signup + timedelta(days=2),
        )
        await handle.signal(CustomerJourneyWorkflow.risk_changed, change)
        state = await handle.query(CustomerJourneyWorkflow.state)
        attributes = (await handle.describe()).typed_search_attributes
    assert state.last_score is not None
    assert (state.last_score.risk_level, state.last_score.score) == (RiskLevel.AT_RISK, 12.5)
    assert attributes.get(RISK_LEVEL) == "at_risk"
    assert attributes.get(HEALTH_SCORE) == 12.5
