"""Engagement triggers over simulated weeks, on the time-skipping server with the real
activities, a real SMTP server and the customer's own timezone."""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from core.playbooks import load_playbook_dir
from models.customer import Customer
from models.journey import JourneySnapshot
from models.task import CsTask
from models.tenant import Tenant
from tests.factories import product_event, with_engagement
from tests.http_receiver import running_http_receiver
from tests.smtp_sink import SmtpSink
from tests.workflows.journey_scenarios import (
    TENANT,
    journey_worker,
    seed_customer,
    start_journey,
)
from workflows.experiments import assign
from workflows.journey_workflow import CustomerJourneyWorkflow


def customer_in_arm(settings: Settings, variant: str) -> str:
    """A customer id the default playbook's welcome experiment puts in `variant`."""
    trigger = next(
        t
        for t in load_playbook_dir(settings.playbook_dir)["default"].engagement.triggers
        if t.key == "welcome"
    )
    assert trigger.experiment is not None
    ids = (f"dana-{n}" for n in itertools.count())
    return next(i for i in ids if assign(trigger.experiment, i) == variant)


async def skip_to_local(
    env: WorkflowEnvironment, zone: str, at: time, weekday: int | None = None
) -> datetime:
    """Let simulated time run to the next local `at` (on `weekday`, Monday = 0, if given)."""
    now = (await env.get_current_time()).astimezone(ZoneInfo(zone))
    target = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    while target <= now or (weekday is not None and target.weekday() != weekday):
        target = datetime.combine(target.date() + timedelta(days=1), at, tzinfo=now.tzinfo)
    await env.sleep(target - now)
    return await env.get_current_time()


def sends(state: JourneySnapshot, trigger: str) -> list[datetime]:
    """When the trigger's messages went out, to the second (workflow tasks take milliseconds)."""
    return [
        i.at.replace(microsecond=0)
        for i in state.interventions
        if i.kind == trigger and i.status == "sent"
    ]


async def test_welcome_sequence_sends_on_its_days_and_stops_at_the_goal(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    zone = "America/New_York"
    customer_id = customer_in_arm(sqlite_settings, "short")
    ref = seed_customer(sqlite_settings, customer_id, timezone=zone)
    signup = await skip_to_local(skipping_env, zone, time(10, 0), weekday=0)
    signup = signup.replace(microsecond=0)
    worker = journey_worker(skipping_env, sqlite_settings)
    async with worker:
        handle = await start_journey(
            skipping_env,
            worker.task_queue,
            ref,
            customer_id,
            product_event("user.email_verified", signup, "w1"),
        )
        await skipping_env.sleep(timedelta(days=5))
        await handle.signal(
            CustomerJourneyWorkflow.record_event,
            product_event("project.created", signup + timedelta(days=5), "w2"),
        )
        await skipping_env.sleep(timedelta(days=4))
        state = await handle.query(CustomerJourneyWorkflow.state)

    local = [moment.astimezone(ZoneInfo(zone)) for moment in sends(state, "welcome")]
    assert [(m - signup).days for m in local] == [0, 1, 3]
    assert {m.time() for m in local} == {time(10, 0)}
    welcome = state.engagement.triggers["welcome"]
    assert (welcome.sends, welcome.stopped) == (3, "goal first_project reached")
    welcome_mail = [
        m["Subject"]
        for m in smtp_sink.messages
        if m["Subject"].startswith(("Welcome aboard", "Your next step"))
    ]
    # Email verified at signup, so even the first one points to the next step.
    assert welcome_mail == ["Your next step: Complete your workspace profile"] * 3
    assert all(m.trigger != "welcome" for m in state.engagement.queue)
    assert "welcome" not in (state.next_wakeup_reason or "")


async def test_quiet_hours_defer_a_night_send_to_the_local_morning(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    zone = "Asia/Tokyo"
    customer_id = customer_in_arm(sqlite_settings, "guided")
    ref = seed_customer(sqlite_settings, customer_id, timezone=zone)
    signup = await skip_to_local(skipping_env, zone, time(23, 30))
    worker = journey_worker(skipping_env, sqlite_settings)
    async with worker:
        handle = await start_journey(
            skipping_env,
            worker.task_queue,
            ref,
            customer_id,
            product_event("user.email_verified", signup, "q1"),
        )
        await skipping_env.sleep(timedelta(hours=1))
        waiting = await handle.query(CustomerJourneyWorkflow.state)
        sent_at_night = len(smtp_sink.messages)
        await skipping_env.sleep(timedelta(hours=9))
        state = await handle.query(CustomerJourneyWorkflow.state)

    morning = datetime.combine(
        signup.astimezone(ZoneInfo(zone)).date() + timedelta(days=1), time(8, 0), ZoneInfo(zone)
    )
    assert {(m.trigger, m.due_at) for m in waiting.engagement.queue} == {
        ("welcome", morning),
        ("milestone_celebration", morning),  # in-app is quiet at night too
    }
    assert waiting.next_wakeup_at == morning
    assert sent_at_night == 0
    deferred = [d for d in state.engagement.decisions if d.verdict == "deferred"]
    assert [(d.trigger, d.reason) for d in deferred] == [
        ("welcome", f"quiet hours until {morning:%a} 08:00 local"),
        ("milestone_celebration", f"quiet hours until {morning:%a} 08:00 local"),
    ]
    assert sends(state, "welcome") == [morning]
    assert sends(state, "milestone_celebration") == [morning]
    assert [m["Subject"] for m in smtp_sink.messages] == [
        "Dana, a two-minute guide to complete your workspace profile"
    ]


THREE_TRIGGERS = [
    {
        "key": f"on_report_{name}",
        "when": {"event": "report.shared"},
        "then": [{"channel": "email", "template": template}],
        "priority": priority,
        "when_capped": policy,
    }
    for name, template, priority, policy in (
        ("first", "graduation", 1, "defer"),
        ("second", "re_engagement", 2, "defer"),
        ("third", "welcome_short", 3, "drop"),
    )
]


async def test_frequency_cap_holds_when_three_triggers_fire_on_one_day(
    skipping_env: WorkflowEnvironment,
    sqlite_settings: Settings,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    zone = "Europe/Berlin"
    settings = with_engagement(
        sqlite_settings,
        tmp_path / "playbooks",
        {
            "guardrails": {"caps": [{"channel": "email", "max": 1, "per": "day"}]},
            "triggers": THREE_TRIGGERS,
        },
    )
    ref = seed_customer(settings, "capped", timezone=zone)
    signup = (await skip_to_local(skipping_env, zone, time(10, 0))).replace(microsecond=0)
    worker = journey_worker(skipping_env, settings)
    async with worker:
        handle = await start_journey(
            skipping_env,
            worker.task_queue,
            ref,
            "capped",
            product_event("report.shared", signup, "r1"),
        )
        await skipping_env.sleep(timedelta(days=3))
        state = await handle.query(CustomerJourneyWorkflow.state)

    verdicts = [(d.trigger, d.verdict) for d in state.engagement.decisions if d.verdict != "queued"]
    assert verdicts == [
        ("on_report_first", "sent"),
        ("on_report_second", "deferred"),
        ("on_report_third", "dropped"),
        ("on_report_second", "sent"),
    ]
    reasons = {d.trigger: d.reason for d in state.engagement.decisions if d.verdict != "sent"}
    assert reasons["on_report_third"] == "cap of 1 email message(s) per day reached"
    assert reasons["on_report_second"].startswith("cap of 1 email message(s) per day reached")
    next_morning = datetime.combine(
        signup.astimezone(ZoneInfo(zone)).date() + timedelta(days=1), time(8, 0), ZoneInfo(zone)
    )
    assert sends(state, "on_report_first") == [signup]
    assert sends(state, "on_report_second") == [next_morning]
    local_days = [
        moment.astimezone(ZoneInfo(zone)).date()
        for i in state.interventions
        for moment in [i.at]
        if i.channel == "email"
    ]
    assert len(local_days) == len(set(local_days)) == len(smtp_sink.messages) == 2


TRIAL = {
    "key": "trial",
    "when": {"event": "trial.started"},
    "then": [{"channel": "inapp", "template": "adoption_nudge_generic"}],
    "wait": {
        "any_of": ["project.created", "user.invited"],
        "timeout_hours": 48,
        "on_event": [{"channel": "slack", "template": "at_risk_alert"}],
        "on_timeout": [{"channel": "task", "template": "at_risk_call", "due_hours": 4}],
    },
}


def trial_settings(settings: Settings, tmp_path: Path, slack_url: str) -> Settings:
    """One trigger with a wait step; templates of the shipped set plus one generic in-app."""
    templates = tmp_path / "templates"
    shutil.copytree(settings.template_dir, templates)
    (templates / "inapp/adoption_nudge_generic.title.j2").write_text("Welcome to your trial")
    (templates / "inapp/adoption_nudge_generic.body.j2").write_text("Create a project to start.")
    with_playbook = with_engagement(
        settings, tmp_path / "playbooks", {"guardrails": {"quiet_hours": None}, "triggers": [TRIAL]}
    )
    with session_scope(get_engine(settings)) as session:
        ensure_tenant(session, TENANT)
        tenant = session.get(Tenant, TENANT)
        assert tenant is not None
        tenant.slack_webhook_url, tenant.fallback_owner = slack_url, "lead@cs.test"
        session.add(tenant)
    return with_playbook.model_copy(update={"template_dir": templates})


async def test_a_wait_resumes_on_the_event_or_times_out_into_a_task_that_escalates(
    skipping_env: WorkflowEnvironment, sqlite_settings: Settings, tmp_path: Path
) -> None:
    with running_http_receiver() as slack:
        settings = trial_settings(sqlite_settings, tmp_path, slack.url)
        quick_ref = seed_customer(settings, "quick")
        seed_customer(settings, "silent")
        with session_scope(get_engine(settings)) as session:
            owned = session.exec(select(Customer).where(Customer.customer_id == "silent")).one()
            owned.csm_owner = "kim@cs.test"
            session.add(owned)
        start = (await skipping_env.get_current_time()).replace(microsecond=0)
        worker = journey_worker(skipping_env, settings)
        async with worker:
            quick = await start_journey(
                skipping_env,
                worker.task_queue,
                quick_ref,
                "quick",
                product_event("trial.started", start, "t1"),
            )
            silent = await start_journey(
                skipping_env,
                worker.task_queue,
                quick_ref,
                "silent",
                product_event("trial.started", start, "t2"),
            )
            await skipping_env.sleep(timedelta(hours=7))
            invited_at = await skipping_env.get_current_time()
            await quick.signal(
                CustomerJourneyWorkflow.record_event,
                product_event("user.invited", invited_at, "t3"),
            )
            await skipping_env.sleep(timedelta(hours=60))
            quick_state = await quick.query(CustomerJourneyWorkflow.state)
            silent_state = await silent.query(CustomerJourneyWorkflow.state)

        alerts = [json.loads(r.body)["text"] for r in slack.requests]

    # The event's own signal ended the wait: the branch went out at once, not at a poll.
    quick_alert = sends(quick_state, "trial")
    assert [i.channel for i in quick_state.interventions] == ["inapp", "slack"]
    assert quick_alert[-1] - invited_at.replace(microsecond=0) < timedelta(seconds=2)
    assert quick_state.engagement.waits == [] == silent_state.engagement.waits
    # The silent one timed out at 48 h into a task, whose 4 h SLA lapsed: escalated to the
    # fallback owner with an alert.
    channels = [
        (i.channel, (i.at - start) // timedelta(hours=1)) for i in silent_state.interventions
    ]
    assert channels == [("inapp", 0), ("task", 48), ("slack", 52)]
    assert [t.escalated for t in silent_state.engagement.open_tasks] == [True]
    with session_scope(get_engine(settings)) as session:
        task = session.exec(select(CsTask).where(CsTask.customer_id == "silent")).one()
    assert (task.status, task.owner, task.escalated_to) == (
        "escalated",
        "lead@cs.test",
        "lead@cs.test",
    )
    assert len(alerts) == 2 and "passed its SLA" in alerts[1]
