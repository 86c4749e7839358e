"""No route lets tenant B read, list, export, signal or act on tenant A's customers, even with
A's ids guessed right: every operation in the OpenAPI schema is called with B's admin key on
A's customer, and the dashboard with B's session."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from core.db import ensure_tenant, get_engine, session_scope
from core.staff import create_account
from models.api_key import Scope
from models.staff import Role
from tests.helpers import assert_eq_eventually
from tests.stack import Stack

MARKERS = ("Acme Secret Industries", "ceo@acme-secret.example")
"""What only tenant A knows (the id itself is the guess, echoed in 404 messages)."""
BODIES = {
    "/v1/customers/{customer_id}/milestones/{milestone_key}/{action}": {
        "actor": "b",
        "reason": "guessing",
    },
    "/v1/customers/{customer_id}/journey/{action}": {"actor": "b"},
    "/v1/customers/{customer_id}/preferences": {"subscribed": False},
    "/v1/customers/{customer_id}/health/overrides": {
        "component": "usage",
        "score": 1,
        "reason": "guessing",
        "author": "b",
        "expires_at": "2030-01-01T00:00:00Z",
    },
    "/v1/templates/preview": {
        "customer_id": "acme-secret",
        "channel": "email",
        "template": "welcome_short",
    },
    "/v1/tasks/{task_id}/complete": {"actor": "b"},
}
VALUES = {
    "customer_id": "acme-secret",
    "milestone_key": "first_project",
    "action": "achieve",
    "message_id": "1",
    "task_id": "1",
    "override_id": "1",
}


async def seed_tenant_a(api: Stack) -> None:
    created = await api.http.post(
        "/v1/customers",
        json={
            "customer_id": "acme-secret",
            "name": "Acme Secret Industries",
            "email": "ceo@acme-secret.example",
        },
    )
    assert created.status_code == 201
    event = {
        "event_id": "a1",
        "customer_id": "acme-secret",
        "name": "project.created",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    assert (await api.http.post("/v1/events", json=event)).status_code == 202

    async def reached() -> bool:
        journey = (await api.http.get("/v1/customers/acme-secret")).json()["journey"]
        return bool(journey and journey["events_processed"] == 1)

    await assert_eq_eventually(True, reached, timeout=30)


async def test_no_api_operation_reaches_another_tenants_customer(api: Stack) -> None:
    await seed_tenant_a(api)
    tenant_b = api.key("tenant-b", Scope.ADMIN)
    schema = (await api.http.get("/openapi.json")).json()
    checked = 0
    for path, operations in schema["paths"].items():
        if path in ("/healthz",) or path.startswith("/v1/unsubscribe"):
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "x"), path)
        for method in operations:
            body = BODIES.get(path, {})
            response = await api.http.request(method, concrete, headers=tenant_b, json=body)
            text = response.text
            assert not any(marker in text for marker in MARKERS), (method, path, text[:300])
            if "{customer_id}" in path or path == "/v1/templates/preview":
                assert response.status_code in (404, 409, 422), (method, path, text[:300])
            checked += 1
    assert checked >= 40
    # Tenant A still sees its own customer, untouched by B's attempts.
    mine = (await api.http.get("/v1/customers/acme-secret")).json()
    assert mine["name"] == "Acme Secret Industries"
    assert mine["journey"]["paused_until"] is None
    assert [m["key"] for m in mine["journey"]["milestones"] if m["state"] == "done"] == [
        "first_project"
    ]


async def test_the_dashboard_shows_another_tenant_nothing(api: Stack) -> None:
    await seed_tenant_a(api)
    with session_scope(get_engine(api.settings)) as session:
        ensure_tenant(session, "tenant-b")
        create_account(session, "tenant-b", "bo@b.example", "Bo", Role.ADMIN, "b's long password")
    signed_in = await api.http.post(
        "/dashboard/login", data={"email": "bo@b.example", "password": "b's long password"}
    )
    assert signed_in.status_code == 303
    api.http.cookies.set("onboard_session", signed_in.cookies["onboard_session"])
    for path in (
        "/dashboard",
        "/dashboard/customers",
        "/dashboard/customers?q=acme",
        "/dashboard/customers.csv",
        "/dashboard/kpis.csv",
        "/dashboard/tasks",
        "/dashboard/experiments",
    ):
        page = await api.http.get(path)
        assert page.status_code == 200
        assert not any(marker in page.text for marker in MARKERS), path
    assert (await api.http.get("/dashboard/customers/acme-secret")).status_code == 404
    tasks_html = (await api.http.get("/dashboard/tasks")).text
    csrf = tasks_html.split('name="csrf" value="')[1].split('"')[0]
    for action in ("journey/pause", "milestones/first_project/achieve"):
        acted = await api.http.post(
            f"/dashboard/customers/acme-secret/{action}", data={"csrf": csrf, "reason": "guess"}
        )
        assert acted.status_code == 303 and "failed=" in acted.headers["location"], action
    mine = (await api.http.get("/v1/customers/acme-secret")).json()["journey"]
    assert mine["paused_until"] is None
