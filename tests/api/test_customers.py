"""Customers API: create or update, read with live journey, list filters, inbox, isolation."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.db import get_engine, session_scope
from models.delivery import InAppMessage
from tests.factories import daytime_zone
from tests.helpers import assert_eq_eventually
from tests.stack import Stack, running_stack


async def test_create_then_update_keeps_signup_and_changes_attributes(api: Stack) -> None:
    signup = "2026-10-01T08:00:00Z"
    created = await api.http.post(
        "/v1/customers",
        json={"customer_id": "acme", "name": "Acme", "plan": "team", "signed_up_at": signup},
    )
    assert created.status_code == 201, created.text
    updated = await api.http.post(
        "/v1/customers",
        json={"customer_id": "acme", "plan": "enterprise", "signed_up_at": "2026-11-01T00:00:00Z"},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert (body["name"], body["plan"], body["signed_up_at"]) == ("Acme", "enterprise", signup)


async def test_read_shows_attributes_and_the_live_journey(api: Stack) -> None:
    zone = daytime_zone(datetime.now(UTC))  # so quiet hours never hold the welcome back
    body = {"customer_id": "acme", "csm_owner": "kim", "timezone": zone}
    await api.http.post("/v1/customers", json=body)

    async def next_wakeup() -> object:
        journey = (await api.http.get("/v1/customers/acme")).json()["journey"]
        return journey and journey["next_wakeup_reason"]

    await assert_eq_eventually("day 1 check-in", next_wakeup)
    body = (await api.http.get("/v1/customers/acme")).json()
    assert body["csm_owner"] == "kim"
    assert body["workflow_id"] == f"onboarding/{api.settings.default_tenant}/acme"
    journey = body["journey"]
    assert journey["stage"] == "signed_up"
    assert len(journey["milestones"]) == 6


async def test_an_explicit_null_signup_means_now(api: Stack) -> None:
    created = await api.http.post(
        "/v1/customers", json={"customer_id": "acme", "signed_up_at": None, "mrr": 0.0}
    )
    assert created.status_code == 201, created.text
    assert created.json()["signed_up_at"] is not None


async def test_bad_attributes_are_422_naming_the_field(api: Stack) -> None:
    for body, field in [
        ({"customer_id": "acme", "email": "not-an-email"}, "email"),
        ({"customer_id": "acme", "timezone": "Mars/Olympus"}, "timezone"),
        ({"customer_id": "acme", "mrr": -5}, "mrr"),
        ({"customer_id": "acme", "mrr": 1.7976931348623157e308}, "mrr"),
        ({"customer_id": "a b"}, "customer_id"),
        ({"name": "no id"}, "customer_id"),
    ]:
        response = await api.http.post("/v1/customers", json=body)
        assert response.status_code == 422, body
        assert ["body", field] in [error["loc"] for error in response.json()["errors"]], body
    timezone_error = await api.http.post(
        "/v1/customers", json={"customer_id": "acme", "timezone": "Mars/Olympus"}
    )
    assert "unknown IANA timezone 'Mars/Olympus'" in timezone_error.text


async def test_unknown_customer_is_404_with_a_message(api: Stack) -> None:
    for path in ("/v1/customers/ghost", "/v1/customers/ghost/inbox"):
        response = await api.http.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "customer 'ghost' not found",
        }


async def test_tenants_do_not_see_each_other(api: Stack) -> None:
    tenant_b = api.key("tenant-b")
    await api.http.post("/v1/customers", json={"customer_id": "acme"})
    assert (await api.http.get("/v1/customers/acme", headers=tenant_b)).status_code == 404
    listed = await api.http.get("/v1/customers", headers=tenant_b)
    assert listed.json() == {"data": [], "count": 0}
    created_b = await api.http.post("/v1/customers", json={"customer_id": "acme"}, headers=tenant_b)
    assert created_b.status_code == 201
    assert created_b.json()["workflow_id"] == "onboarding/tenant-b/acme"


async def test_list_filters_and_pages(api: Stack) -> None:
    for customer_id, plan, segment in [
        ("a1", "team", "smb"),
        ("a2", "team", "enterprise"),
        ("a3", "free", "smb"),
    ]:
        await api.http.post(
            "/v1/customers", json={"customer_id": customer_id, "plan": plan, "segment": segment}
        )
    team = (await api.http.get("/v1/customers", params={"plan": "team"})).json()
    assert ([c["customer_id"] for c in team["data"]], team["count"]) == (["a1", "a2"], 2)
    both = await api.http.get("/v1/customers", params={"plan": "team", "segment": "smb"})
    assert [c["customer_id"] for c in both.json()["data"]] == ["a1"]
    page = (await api.http.get("/v1/customers", params={"limit": 2, "offset": 2})).json()
    assert ([c["customer_id"] for c in page["data"]], page["count"]) == (["a3"], 3)
    bad = await api.http.get("/v1/customers", params={"limit": 0})
    assert bad.status_code == 422


async def test_inbox_lists_newest_first_and_marks_read(api: Stack) -> None:
    await api.http.post("/v1/customers", json={"customer_id": "acme"})
    with session_scope(get_engine(api.settings)) as session:
        for n in (1, 2):
            session.add(
                InAppMessage(
                    tenant_id=api.settings.default_tenant,
                    customer_id="acme",
                    idempotency_key=f"k{n}",
                    title=f"message {n}",
                    body="hello",
                    created_at=datetime(2026, 11, n, tzinfo=UTC),
                )
            )
    inbox = (await api.http.get("/v1/customers/acme/inbox")).json()
    assert [m["title"] for m in inbox["data"]] == ["message 2", "message 1"]
    assert inbox["unread"] == 2
    first_id = inbox["data"][1]["id"]
    read = await api.http.post(f"/v1/customers/acme/inbox/{first_id}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await api.http.post(f"/v1/customers/acme/inbox/{first_id}/read")
    assert again.json()["read_at"] == read.json()["read_at"]
    assert (await api.http.get("/v1/customers/acme/inbox")).json()["unread"] == 1
    other_tenant = await api.http.post(
        f"/v1/customers/acme/inbox/{first_id}/read", headers=api.key("tenant-b")
    )
    assert other_tenant.status_code == 404


async def test_healthz_reports_both_dependencies(api: Stack) -> None:
    response = await api.http.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_without_a_worker_the_read_still_answers_and_says_why(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    async with running_stack(dev_env, sqlite_settings, with_worker=False) as stack:
        await stack.http.post("/v1/customers", json={"customer_id": "lonely", "name": "Lonely"})
        response = await stack.http.get("/v1/customers/lonely")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["journey"]) == ("Lonely", None)
    assert body["journey_error"] == "journey state unavailable: no worker answered in time"
