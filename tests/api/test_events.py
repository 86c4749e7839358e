"""POST /v1/events and /v1/events/batch: clear 4xx for bad input, idempotent, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from api.outbox import relay_pending_events
from core.db import get_engine, session_scope
from models.event import Event
from tests.factories import default_playbook
from tests.helpers import assert_eq_eventually
from tests.stack import Stack

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def event(event_id: str = "e1", customer_id: str = "c1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "customer_id": customer_id,
        "name": "project.created",
        "occurred_at": NOW.isoformat(),
        "properties": {"template": "kanban"},
    }
    body.update(overrides)
    return body


def stored_events(stack: Stack) -> int:
    with session_scope(get_engine(stack.settings)) as session:
        return session.exec(select(func.count()).select_from(Event)).one()


def error_fields(response_json: dict[str, Any]) -> list[str]:
    return [".".join(str(part) for part in error["loc"]) for error in response_json["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in event().items() if k != "event_id"}, "body.event_id"),
        (event(occurred_at="yesterday"), "body.occurred_at"),
        (event(occurred_at="2026-11-20T09:30:00"), "body.occurred_at"),
        (event(customer_id="bad id/with slash"), "body.customer_id"),
        (event(name=""), "body.name"),
        (event(properties=["not", "an", "object"]), "body.properties"),
    ],
)
async def test_bad_event_is_422_naming_the_field(api: Stack, body: Any, field: str) -> None:
    response = await api.http.post("/v1/events", json=body)
    assert response.status_code == 422
    assert field in error_fields(response.json())
    assert stored_events(api) == 0


async def test_naive_time_message_says_what_to_send(api: Stack) -> None:
    response = await api.http.post("/v1/events", json=event(occurred_at="2026-11-20T09:30:00"))
    assert "timezone offset" in response.json()["errors"][0]["msg"]


async def test_malformed_json_is_a_4xx_not_a_500(api: Stack) -> None:
    response = await api.http.post(
        "/v1/events", content=b'{"event_id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.text


async def test_batch_limits(api: Stack) -> None:
    empty = await api.http.post("/v1/events/batch", json={"events": []})
    assert empty.status_code == 422 and "body.events" in error_fields(empty.json())
    too_many = [event(f"e{i}") for i in range(1001)]
    response = await api.http.post("/v1/events/batch", json={"events": too_many})
    assert response.status_code == 422
    assert "at most 1000" in response.text
    assert stored_events(api) == 0


async def test_one_bad_event_rejects_the_whole_batch_and_names_it(api: Stack) -> None:
    batch = {"events": [event("ok-1"), event("bad", occurred_at="nope")]}
    response = await api.http.post("/v1/events/batch", json=batch)
    assert response.status_code == 422
    assert "body.events.1.occurred_at" in error_fields(response.json())
    assert stored_events(api) == 0


async def test_duplicate_event_id_is_accepted_once(api: Stack) -> None:
    first = await api.http.post("/v1/events", json=event("dup"))
    second = await api.http.post("/v1/events", json=event("dup"))
    assert (first.status_code, first.json()["duplicate"]) == (202, False)
    assert (second.status_code, second.json()["duplicate"]) == (202, True)
    within = await api.http.post("/v1/events/batch", json={"events": [event("x"), event("x")]})
    assert (within.json()["accepted"], within.json()["duplicates"]) == (1, 1)
    assert stored_events(api) == 2


async def test_unknown_customer_is_created_with_signup_at_first_event(api: Stack) -> None:
    await api.http.post("/v1/events", json=event("e1", customer_id="newco"))
    customer = (await api.http.get("/v1/customers/newco")).json()
    assert customer["signed_up_at"] == "2026-11-20T09:30:00Z"


async def test_relay_delivers_an_event_whose_signal_never_went_out(api: Stack) -> None:
    """Simulates a crash between storing and signalling: the relay finishes the job."""
    engine = get_engine(api.settings)
    with session_scope(engine) as session:
        session.add(
            Event(
                tenant_id=api.settings.default_tenant,
                event_id="orphan-1",
                customer_id="relayco",
                name="project.created",
                occurred_at=NOW,
                properties={},
                received_at=datetime.now(UTC) - timedelta(minutes=1),
            )
        )
    await api.http.post("/v1/customers", json={"customer_id": "relayco"})
    playbook = default_playbook()
    sent = await relay_pending_events(engine, api.temporal, api.settings.task_queue, playbook)
    assert sent == 1

    async def processed() -> object:
        journey = (await api.http.get("/v1/customers/relayco")).json()["journey"]
        return journey["events_processed"]

    await assert_eq_eventually(1, processed)
    with session_scope(engine) as session:
        row = session.exec(select(Event).where(Event.event_id == "orphan-1")).one()
    assert row.signalled_at is not None
    again = await relay_pending_events(engine, api.temporal, api.settings.task_queue, playbook)
    assert again == 0
