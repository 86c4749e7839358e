"""Trigger deliveries on every channel against real servers on loopback: exactly one delivery
per key through retries, signed webhooks, suppression after a 5xx, preferences honoured."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.delivery import DeliveryActivities
from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from core.preferences import set_preference
from core.signing import verify
from models.customer import Customer
from models.delivery import Delivery, InAppMessage, Suppression
from models.engagement import DeliveryRequest
from models.task import CsTask
from models.tenant import Tenant
from models.triggers import Action, Channel
from tests.http_receiver import HttpReceiver, running_http_receiver
from tests.smtp_sink import SmtpSink

TEMPLATES = {
    "email/hello.subject.j2": "Hello {{ customer.name }}",
    "email/hello.txt.j2": "Hi {{ customer_name }}, you have {{ journey.points }} points.",
    "email/hello.html.j2": "<p>Hi {{ customer_name }}, {{ journey.level }}</p>",
    "slack/hello.text.j2": "{{ customer.name }} needs a call",
    "webhook/hello.summary.j2": "{{ customer.customer_id }} at risk",
    "inapp/hello.title.j2": "Welcome",
    "inapp/hello.body.j2": "Hi {{ customer_name }}",
    "task/hello.title.j2": "Call {{ customer.name }}",
    "task/hello.body.j2": "Risk went up.",
}
SECRET = "s3cret-for-webhook-signing"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with running_http_receiver() as running:
        yield running


@pytest.fixture
def settings(sqlite_settings: Settings, tmp_path: Path, receiver: HttpReceiver) -> Settings:
    folder = tmp_path / "templates"
    for name, text in TEMPLATES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    with session_scope(get_engine(sqlite_settings)) as session:
        ensure_tenant(session, "t1")
        tenant = session.get(Tenant, "t1")
        assert tenant is not None
        tenant.email_sender = "Acme Success <success@acme.test>"
        tenant.slack_webhook_url = f"{receiver.url}/slack"
        tenant.webhook_url = f"{receiver.url}/hook"
        tenant.webhook_secret = SECRET
        tenant.fallback_owner = "lead@acme.test"
        session.add(tenant)
        session.add(Customer(tenant_id="t1", customer_id="c1", email="kim@ex.test", name="Kim"))
    return sqlite_settings.model_copy(update={"template_dir": folder})


def request(channel: Channel, key: str = "wf/t/1/0", **action: int) -> DeliveryRequest:
    return DeliveryRequest(
        tenant_id="t1",
        customer_id="c1",
        idempotency_key=key,
        trigger="t",
        category="onboarding",
        action=Action(channel=channel, template="hello", **action),
        variables={"journey": {"points": 30, "level": "<script>x</script>"}},
    )


def run(settings: Settings, req: DeliveryRequest) -> str:
    activities = DeliveryActivities(get_engine(settings), settings)
    return ActivityEnvironment().run(activities.deliver_message, req).status


def rows(settings: Settings, model: type) -> list:  # type: ignore[type-arg]
    with session_scope(get_engine(settings)) as session:
        return list(session.exec(select(model)).all())


def test_email_goes_once_with_unsubscribe_header_and_tenant_sender(
    settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_next.append((451, "try again later"))
    with pytest.raises(Exception):  # noqa: B017 - the injected 451: Temporal would retry
        run(settings, request("email"))
    assert (run(settings, request("email")), run(settings, request("email"))) == (
        "sent",
        "already_sent",
    )
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert (mail["From"], mail["Subject"]) == ("Acme Success <success@acme.test>", "Hello Kim")
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and "Kim, &lt;script&gt;x&lt;/script&gt;" in html.get_content()
    link = mail["List-Unsubscribe"].strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link.rsplit("/", 1)[1]
    assert verify(settings, token) == {"t": "t1", "c": "c1", "ch": "email", "cat": "onboarding"}


def test_a_5xx_answer_fails_for_good_and_suppresses_the_address(
    settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_next.append((550, "mailbox unavailable"))
    with pytest.raises(ApplicationError) as failure:
        run(settings, request("email"))
    assert failure.value.non_retryable
    assert [s.address for s in rows(settings, Suppression)] == ["kim@ex.test"]
    assert run(settings, request("email", key="wf/t/2/0")) == "suppressed"
    assert smtp_sink.messages == []
    statuses = {d.idempotency_key: (d.status, d.error) for d in rows(settings, Delivery)}
    assert statuses["wf/t/2/0"][0] == "suppressed"
    assert "550" in (statuses["wf/t/1/0"][1] or "")


def test_slack_and_a_signed_webhook_arrive_once_despite_a_failed_first_attempt(
    settings: Settings, receiver: HttpReceiver
) -> None:
    receiver.fail_next.append(503)
    with pytest.raises(httpx.HTTPStatusError):
        run(settings, request("webhook"))
    assert run(settings, request("webhook")) == "sent"
    assert run(settings, request("webhook")) == "already_sent"
    assert run(settings, request("slack", key="wf/s/1/0")) == "sent"
    hook, slack = receiver.requests
    assert json.loads(slack.body) == {"text": "Kim needs a call"}
    payload = json.loads(hook.body)
    assert (payload["summary"], hook.headers["X-Onboard-Delivery"]) == ("c1 at risk", "wf/t/1/0")
    timestamp, signature = (
        part.split("=", 1)[1] for part in hook.headers["X-Onboard-Signature"].split(",")
    )
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + hook.body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())


def test_a_4xx_from_a_webhook_is_permanent(settings: Settings, receiver: HttpReceiver) -> None:
    receiver.fail_next.append(410)
    with pytest.raises(ApplicationError) as failure:
        run(settings, request("webhook"))
    assert failure.value.non_retryable and "410" in str(failure.value)


def test_inapp_and_task_are_written_once(settings: Settings) -> None:
    assert run(settings, request("inapp")) == "sent"
    assert run(settings, request("inapp")) == "already_sent"
    assert [m.body for m in rows(settings, InAppMessage)] == ["Hi Kim"]
    assert run(settings, request("task", key="wf/task/1/0", due_hours=4)) == "sent"
    (task,) = rows(settings, CsTask)
    assert (task.title, task.owner, task.status) == ("Call Kim", "lead@acme.test", "open")
    assert (task.due_at - task.created_at).total_seconds() == pytest.approx(4 * 3600, abs=5)


def test_preferences_per_channel_and_category(settings: Settings, smtp_sink: SmtpSink) -> None:
    with session_scope(get_engine(settings)) as session:
        set_preference(session, "t1", "c1", "any", "onboarding", False, "api")
        set_preference(session, "t1", "c1", "inapp", "onboarding", True, "api")
    assert run(settings, request("email")) == "suppressed"
    assert run(settings, request("inapp", key="wf/t/1/1")) == "sent"
    assert run(settings, request("task", key="wf/t/1/2")) == "sent"  # staff tasks still go
    assert smtp_sink.messages == []


def test_webhooks_to_private_addresses_are_refused_unless_allowed(
    settings: Settings, receiver: HttpReceiver
) -> None:
    guarded = settings.model_copy(update={"allow_private_webhooks": False})
    with pytest.raises(ApplicationError) as refused:
        run(guarded, request("webhook"))
    assert refused.value.non_retryable
    assert "resolves to 127.0.0.1, a private, loopback or reserved address" in str(refused.value)
    assert receiver.requests == []
    assert run(settings, request("webhook", key="wf/t/9/0")) == "sent"


def test_a_flood_of_an_answer_is_read_only_in_part(
    settings: Settings, receiver: HttpReceiver
) -> None:
    receiver.fail_next.append(400)
    with pytest.raises(ApplicationError) as refused:
        run(settings, request("webhook"))
    assert "answered 400" in str(refused.value) and len(str(refused.value)) < 1000
