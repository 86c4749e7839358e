"""Admin writes and staff actions land in the audit log (who, what, when, target, before and
after, secrets redacted); reads, refused actions and ingest do not."""

from __future__ import annotations

from models.api_key import Scope
from tests.stack import Stack


async def test_admin_actions_are_audited_with_before_and_after(api: Stack) -> None:
    http = api.http
    await http.post("/v1/customers", json={"customer_id": "acme", "name": "Acme"})
    first = {"fallback_owner": "lead@acme.example", "webhook_secret": "s" * 32}
    assert (await http.put("/v1/settings", json=first)).status_code == 200
    second = {"fallback_owner": "boss@acme.example"}
    assert (await http.put("/v1/settings", json=second)).status_code == 200
    refused = await http.post("/v1/customers/acme/journey/resume", json={"actor": "kim"})
    assert refused.status_code == 409
    paused = await http.post(
        "/v1/customers/acme/journey/pause", json={"actor": "kim", "reason": "renewal"}
    )
    assert paused.status_code == 200, paused.text
    await http.get("/v1/settings")

    log = (await http.get("/v1/audit")).json()
    assert [e["action"] for e in log] == [
        "POST /v1/customers/{customer_id}/journey/{action}",
        "PUT /v1/settings",
        "PUT /v1/settings",
    ]
    pause, latest, earliest = log
    assert pause["customer_id"] == "acme" and pause["target"] == "/v1/customers/acme/journey/pause"
    assert pause["after"]["request"] == {"actor": "kim", "reason": "renewal"}
    assert pause["actor"].startswith("api:key:")
    assert earliest["after"]["request"]["webhook_secret"] == "[redacted]"
    assert latest["before"]["fallback_owner"] == "lead@acme.example"
    assert latest["after"]["request"] == second
    by_customer = (await http.get("/v1/audit", params={"customer_id": "acme"})).json()
    assert [e["id"] for e in by_customer] == [pause["id"]]
    reader = api.key(None, Scope.READ)
    assert (await http.get("/v1/audit", headers=reader)).status_code == 403
    other_tenant = api.key("elsewhere", Scope.ADMIN)
    assert (await http.get("/v1/audit", headers=other_tenant)).json() == []
