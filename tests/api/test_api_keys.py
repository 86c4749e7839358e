"""API keys: every route but /healthz (and the signed unsubscribe link) needs one, scopes
decide what it may do, revoking is immediate, and the key (never a header the caller picks)
decides the tenant."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from core.api_keys import revoke_key
from core.db import get_engine, session_scope
from models.api_key import Scope
from tests.stack import Stack

OPEN = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
SIGNED = {"/v1/unsubscribe/{token}"}
"""Links in customers' emails: a signed token instead of a key (tests/api/test_engagement_api)."""


async def test_every_route_but_healthz_refuses_a_request_without_a_key(api: Stack) -> None:
    schema = (await api.http.get("/openapi.json")).json()
    checked = 0
    for path, operations in schema["paths"].items():
        if path in OPEN | SIGNED:
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in operations:
            response = await api.http.request(
                method, concrete, headers={"Authorization": ""}, json={}
            )
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            checked += 1
    assert checked >= 20
    assert (await api.http.get("/healthz", headers={"Authorization": ""})).status_code == 200


async def test_scopes_decide_what_a_key_may_do(api: Stack) -> None:
    ingest = api.key(None, Scope.INGEST)
    read = api.key(None, Scope.READ)
    event = {
        "event_id": "e1",
        "customer_id": "acme",
        "name": "project.created",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    assert (await api.http.post("/v1/events", json=event, headers=ingest)).status_code == 202
    refused = await api.http.get("/v1/customers", headers=ingest)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "this API key lacks the 'read' scope (it has: ingest)",
    )
    assert (await api.http.get("/v1/customers/acme/inbox", headers=ingest)).status_code == 200
    assert (await api.http.get("/v1/customers/acme", headers=read)).status_code == 200
    assert (await api.http.get("/v1/milestones", headers=read)).status_code == 200
    assert (await api.http.post("/v1/events", json=event, headers=read)).status_code == 403
    edit = await api.http.delete("/v1/milestones/first_report", headers=read)
    assert (edit.status_code, edit.json()["detail"]) == (
        403,
        "this API key lacks the 'admin' scope (it has: read)",
    )
    migrate = await api.http.post(
        "/v1/playbooks/default/migrate", json={"actor": "x"}, headers=ingest
    )
    assert migrate.status_code == 403
    assert (await api.http.get("/v1/customers")).status_code == 200  # the stack's admin key


async def test_revoked_unknown_and_malformed_keys_are_refused(api: Stack) -> None:
    headers = api.key(None, Scope.READ)
    assert (await api.http.get("/v1/customers", headers=headers)).status_code == 200
    by_header = {"Authorization": "", "X-Api-Key": headers["Authorization"].split()[1]}
    assert (await api.http.get("/v1/customers", headers=by_header)).status_code == 200
    with session_scope(get_engine(api.settings)) as session:
        revoke_key(session, 2)  # the stack's own admin key is 1
    revoked = await api.http.get("/v1/customers", headers=headers)
    assert (revoked.status_code, revoked.json()["detail"]) == (
        401,
        "the API key is unknown or revoked",
    )
    for value in ("Bearer onb_madeup", "Basic dXNlcjpwYXNz", "Bearer ", "onb_x"):
        response = await api.http.get("/v1/customers", headers={"Authorization": value})
        assert response.status_code == 401, value
    assert (await api.http.get("/v1/customers", headers=by_header)).status_code == 401


async def test_the_key_not_a_header_decides_the_tenant(api: Stack) -> None:
    await api.http.post("/v1/customers", json={"customer_id": "acme"})
    tenant_b = api.key("tenant-b", Scope.READ) | {"X-Tenant-Id": api.settings.default_tenant}
    assert (await api.http.get("/v1/customers/acme", headers=tenant_b)).status_code == 404
    assert (await api.http.get("/v1/customers", headers=tenant_b)).json()["count"] == 0
