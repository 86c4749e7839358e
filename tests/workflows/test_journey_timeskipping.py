"""Thirty simulated days of one customer, on the time-skipping server with the real activities."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from core.backfill import import_events
from core.config import Settings
from core.db import get_engine, session_scope
from models.customer import Customer
from models.delivery import InAppMessage
from models.event import EventCreate
from models.health import RiskChange, RiskLevel
from models.journey import JourneyStatus, ProductEvent, Stage
from models.score import HealthScoreRecord
from tests.factories import product_event, with_engagement
from tests.smtp_sink import SmtpSink
from tests.workflows.journey_scenarios import (
    TENANT,
    journey_worker,
    run_quiet_customer,
    seed_customer,
    start_journey,
)
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.search_attributes import HEALTH_SCORE, RISK_LEVEL


async def test_without_triggers_a_quiet_customer_gets_nudged_on_the_right_days(
    skipping_env: WorkflowEnvironment,
    sqlite_settings: Settings,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    """A playbook with no engagement triggers falls back to one nudge per overdue milestone."""
    settings = with_engagement(sqlite_settings, tmp_path / "playbooks", {"triggers": []})
    run = await run_quiet_customer(skipping_env, settings)
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
    assert state.points == 40 + 10  # two milestones, and the fast-start badge for both on day 0
    assert state.stage is Stage.STALLED
    assert state.status is JourneyStatus.STUCK
    # The query's "now" is the last workflow task: the day-30 check-in, 29 days and 23 h 40 min
    # after the last milestone (reached 20 minutes after signup).
    assert state.status_reason == "no milestone reached for 29 days"
    assert state.time_to_value_hours == pytest.approx(20 / 60, abs=0.01)  # rounded to 0.01 h
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
    with session_scope(get_engine(settings)) as session:
        inbox = session.exec(
            select(InAppMessage).where(InAppMessage.customer_id == customer_id)
        ).all()
        stored = session.exec(select(Customer).where(Customer.customer_id == customer_id)).one()
    assert len(inbox) == 4
    assert stored.stage == "stalled" and stored.points == 50 and stored.health_score is not None


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
    assert state.points == 10 + 30 + 20 + 10  # three milestones and the fast-start badge
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
        before = await handle.query(CustomerJourneyWorkflow.state)
        assert before.last_score is not None
        previous = before.last_score.risk_level
        target = RiskLevel.AT_RISK if previous is not RiskLevel.AT_RISK else RiskLevel.HEALTHY
        change = RiskChange(
            customer_id=customer_id,
            previous=previous,
            current=target,
            score=12.5,
            computed_at=signup + timedelta(days=2),
        )
        await handle.signal(CustomerJourneyWorkflow.risk_changed, change)
        state = await handle.query(CustomerJourneyWorkflow.state)
        attributes = (await handle.describe()).typed_search_attributes
    assert state.last_score is not None
    assert (state.last_score.risk_level, state.last_score.score) == (target, 12.5)
    assert attributes.get(RISK_LEVEL) == target.value
    last = state.risk_changes[-1]
    assert (last.previous, last.current, last.source) == (previous, target, "nightly")
    assert attributes.get(HEALTH_SCORE) == 12.5


def store_in_event_log(settings: Settings, customer_id: str, event: ProductEvent) -> None:
    import_events(
        get_engine(settings),
        TENANT,
        [EventCreate(customer_id=customer_id, **event.model_dump())],
    )


async def test_a_burst_of_tickets_gives_one_debounced_rescore(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> None:
    # No triggers: their sends (held by quiet hours at night) would be the next wake-up.
    sqlite_settings = with_engagement(sqlite_settings, tmp_path / "playbooks", {"triggers": []})
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    signup = await skipping_env.get_current_time()
    async with journey_worker(skipping_env, sqlite_settings) as worker:
        handle = await start_journey(
            skipping_env, worker.task_queue, ref, customer_id, product_event("page.viewed", signup)
        )
        await skipping_env.sleep(timedelta(hours=2))
        for minute in range(3):
            ticket = product_event(
                "support.ticket_opened",
                signup + timedelta(hours=2, minutes=minute),
                f"ticket-{minute}",
                priority="p1",
            )
            store_in_event_log(sqlite_settings, customer_id, ticket)  # as the API does first
            await handle.signal(CustomerJourneyWorkflow.record_event, ticket)
        await skipping_env.sleep(timedelta(minutes=30))
        waiting = await handle.query(CustomerJourneyWorkflow.state)
        await skipping_env.sleep(timedelta(minutes=45))
        scored = await handle.query(CustomerJourneyWorkflow.state)
    assert waiting.last_score is None
    assert waiting.next_wakeup_reason == "re-score after a significant event"
    assert scored.last_score is not None
    assert scored.last_score.computed_at - signup == pytest.approx(
        timedelta(hours=3), abs=timedelta(minutes=1)
    )
    support = next(c for c in scored.last_score.components if c.name == "support")
    assert support.inputs["urgent_open"] == 3
    assert scored.next_wakeup_reason == "day 1 check-in"
    with session_scope(get_engine(sqlite_settings)) as session:
        keys = session.exec(
            select(HealthScoreRecord.idempotency_key).where(
                HealthScoreRecord.customer_id == customer_id
            )
        ).all()
    assert [key.rsplit("/", 2)[-2:] for key in keys] == [["event-score", "1"]]


async def test_full_onboarding_to_graduation_with_points_badges_and_a_streak_bonus(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(sqlite_settings, customer_id)
    signup = await skipping_env.get_current_time()
    plan: list[list[tuple[str, dict[str, object]]]] = [
        [("user.email_verified", {}), ("project.created", {})],
        [("workspace.profile_updated", {"complete": True}), ("user.invited", {})],
        [("integration.connected", {})],
    ]
    async with journey_worker(skipping_env, sqlite_settings) as worker:
        handle = await start_journey(
            skipping_env, worker.task_queue, ref, customer_id, product_event("page.viewed", signup)
        )
        for day, events in enumerate(plan):
            for number, (name, properties) in enumerate(events):
                at = signup + timedelta(days=day, minutes=number + 1)
                await handle.signal(
                    CustomerJourneyWorkflow.record_event,
                    product_event(name, at, f"d{day}-{number}", **properties),
                )
            await skipping_env.sleep(timedelta(days=1))
        state = await handle.query(CustomerJourneyWorkflow.state)
    assert state.stage is Stage.GRADUATED
    assert state.onboarding_progress == 100.0
    assert set(state.badges) == {"fast_start", "fully_onboarded"}
    assert (state.streak.current, state.streak.longest) == (3, 3)
    # 90 for the five required milestones, 10 + 25 for the badges, 10 for a 3-day streak
    assert state.points == 135
    assert (state.level, state.next_level) == ("Champion", None)
    assert state.status is JourneyStatus.ON_TRACK
    assert state.time_to_value_hours == pytest.approx(2 / 60, abs=0.01)  # project at minute 2
    kinds = [(r.kind, r.key) for r in state.rewards]
    assert ("streak_bonus", "3_days") in kinds
    assert ("level", "Explorer") in kinds and ("level", "Champion") in kinds
    assert kinds.index(("badge", "fast_start")) < kinds.index(("badge", "fully_onboarded"))
