"""Hostile or broken input gets a 4xx problem naming what is wrong, never a 500."""

from __future__ import annotations

import json

from tests.stack import Stack

PROBLEM = "application/problem+json"


def event(**changes: object) -> dict[str, object]:
    return {
        "event_id": "e1",
        "customer_id": "acme",
        "name": "page.viewed",
        "occurred_at": "2026-11-01T09:00:00Z",
        **changes,
    }


async def test_too_large_bodies_are_413(api_without_worker: Stack) -> None:
    big = {"events": [event(event_id=f"e{n}", properties={"x": "y" * 2000}) for n in range(600)]}
    response = await api_without_worker.http.post("/v1/events/batch", json=big)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "larger than 1,048,576 bytes" in response.json()["detail"]


async def test_invalid_unicode_and_deep_nesting_are_422(api_without_worker: Stack) -> None:
    http = api_without_worker.http
    surrogate = json.dumps(event(name="x")).replace('"x"', '"\\ud802"')
    response = await http.post(
        "/v1/events", content=surrogate, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "lone surrogate" in response.json()["detail"]
    nested: dict[str, object] = {}
    for _ in range(40):
        nested = {"n": nested}
    deep = await http.post("/v1/events", json=event(properties=nested))
    assert deep.status_code == 422 and "nested deeper than 32" in deep.json()["detail"]


async def test_event_properties_are_bounded(api_without_worker: Stack) -> None:
    http = api_without_worker.http
    nested: dict[str, object] = {"leaf": 1}
    for _ in range(6):
        nested = {"n": nested}
    for properties, message in (
        (nested, "nest deeper than 5"),
        ({"text": "x" * 4001}, "longer than 4000"),
        ({f"k{n}": n for n in range(501)}, "more than 500"),
    ):
        response = await http.post("/v1/events", json=event(properties=properties))
        assert response.status_code == 422, message
        assert response.json()["errors"][0]["field"] == "body.properties"
        assert message in response.json()["detail"]


async def test_timestamps_outside_a_sane_window_are_422(api_without_worker: Stack) -> None:
    http = api_without_worker.http
    for moment in ("6089-07-22T11:50:14Z", "0001-01-01T00:00:01+00:01", "1999-12-31T23:59:59Z"):
        response = await http.post("/v1/events", json=event(occurred_at=moment))
        assert response.status_code == 422, moment
        assert response.json()["errors"][0]["field"] == "body.occurred_at"
    customer = await http.post(
        "/v1/customers", json={"customer_id": "acme", "signed_up_at": "3000-01-01T00:00:00Z"}
    )
    assert customer.status_code == 422 and "signed_up_at" in customer.json()["detail"]


async def test_ids_beyond_64_bits_and_odd_tokens_are_4xx(api_without_worker: Stack) -> None:
    http = api_without_worker.http
    huge = "12436619796173828390912"
    for method, path in (
        ("POST", f"/v1/customers/acme/inbox/{huge}/read"),
        ("GET", f"/v1/tasks/{huge}"),
        ("GET", f"/v1/customers?offset={huge}"),
    ):
        response = await http.request(method, path)
        assert response.status_code == 422, (path, response.text)
    odd = await http.get("/v1/unsubscribe/%C2%A2%C2%9C%28T.%F4%8F%A7%9A")
    assert odd.status_code == 404 and odd.headers["content-type"] == PROBLEM
