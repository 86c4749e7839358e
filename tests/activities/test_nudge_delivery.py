"""Nudge activities against a real SMTP server on loopback: exactly one email per key."""

from __future__ import annotations

import smtplib

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.nudges import NudgeActivities
from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from core.playbooks import sync_playbooks
from models.customer import Customer
from models.delivery import Delivery, InAppMessage
from models.journey import NudgeRequest
from tests.smtp_sink import SmtpSink


def nudge_request(settings: Settings, email: str | None, key: str = "wf/nudge/1") -> NudgeRequest:
    engine = get_engine(settings)
    playbook = sync_playbooks(engine, settings.playbook_dir)["default"]
    with session_scope(engine) as session:
        ensure_tenant(session, "t1")
        session.add(Customer(tenant_id="t1", customer_id="c1", email=email, name="Kim"))
    return NudgeRequest(
        tenant_id="t1",
        customer_id="c1",
        playbook_name=playbook.name,
        playbook_version=playbook.version,
        milestone_key="first_project",
        idempotency_key=key,
    )


def deliveries(settings: Settings) -> list[Delivery]:
    with session_scope(get_engine(settings)) as session:
        return list(session.exec(select(Delivery)).all())


def test_email_is_multipart_and_a_retry_after_success_sends_nothing(
    sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    activities = NudgeActivities(get_engine(sqlite_settings), sqlite_settings)
    request = nudge_request(sqlite_settings, "kim@example.test")
    env = ActivityEnvironment()

    first = env.run(activities.send_nudge_email, request)
    second = env.run(activities.send_nudge_email, request)

    assert (first.status, second.status) == ("sent", "already_sent")
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "kim@example.test"
    assert message["Subject"] == "Kim, one step left: Create your first project"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<h2" in html.get_content()
    [row] = deliveries(sqlite_settings)
    assert (row.status, row.message_id) == ("sent", message["Message-ID"])


def test_transient_smtp_failure_is_retried_into_exactly_one_delivery(
    sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    activities = NudgeActivities(get_engine(sqlite_settings), sqlite_settings)
    request = nudge_request(sqlite_settings, "kim@example.test")
    smtp_sink.fail_next.append((451, "try again later"))
    env = ActivityEnvironment()

    with pytest.raises(smtplib.SMTPDataError):
        env.run(activities.send_nudge_email, request)
    assert deliveries(sqlite_settings)[0].status == "sending"
    assert env.run(activities.send_nudge_email, request).status == "sent"
    assert env.run(activities.send_nudge_email, request).status == "already_sent"
    assert len(smtp_sink.messages) == 1


def test_permanent_smtp_failure_is_non_retryable_and_recorded(
    sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    activities = NudgeActivities(get_engine(sqlite_settings), sqlite_settings)
    request = nudge_request(sqlite_settings, "gone@example.test")
    smtp_sink.fail_next.append((550, "mailbox unavailable"))
    env = ActivityEnvironment()

    with pytest.raises(ApplicationError) as failure:
        env.run(activities.send_nudge_email, request)
    assert failure.value.non_retryable
    [row] = deliveries(sqlite_settings)
    assert row.status == "failed" and "550" in (row.error or "")
    again = env.run(activities.send_nudge_email, request)
    assert again.status == "failed"
    assert smtp_sink.messages == []


def test_customer_without_email_is_skipped_with_a_reason(
    sqlite_settings: Settings, smtp_sink: SmtpSink
) -> None:
    activities = NudgeActivities(get_engine(sqlite_settings), sqlite_settings)
    result = ActivityEnvironment().run(
        activities.send_nudge_email, nudge_request(sqlite_settings, None)
    )
    assert (result.status, result.detail) == ("skipped", "customer has no email address")
    assert smtp_sink.messages == []


def test_inapp_message_is_stored_once(sqlite_settings: Settings) -> None:
    activities = NudgeActivities(get_engine(sqlite_settings), sqlite_settings)
    request = nudge_request(sqlite_settings, "kim@example.test", key="wf/nudge/inapp")
    env = ActivityEnvironment()
    assert env.run(activities.post_inapp_nudge, request).status == "sent"
    assert env.run(activities.post_inapp_nudge, request).status == "already_sent"
    with session_scope(get_engine(sqlite_settings)) as session:
        [message] = session.exec(select(InAppMessage)).all()
    assert message.title == "Next step: Create your first project"
    assert "Projects page" in message.body
