"""Manual overrides: shown as such, applied until they expire or are revoked, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.stack import Stack


async def seeded(api: Stack) -> float:
    """A customer with some activity; returns its computed score."""
    now = datetime.now(UTC)
    events = [
        {
            "event_id": f"e{n}",
            "customer_id": "acme",
            "name": "project.created" if n % 2 else "page.viewed",
            "occurred_at": (now - timedelta(days=n)).isoformat(),
        }
        for n in range(6)
    ]
    await api.http.post("/v1/events/batch", json={"events": events})
    body = (await api.http.get("/v1/customers/acme/health")).json()
    score: float = body["current"]["score"]
    return score


def override(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component": "overall",
        "score": 15,
        "reason": "champion left, renewal in doubt",
        "author": "kim",
        "expires_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
    }
    body.update(changes)
    return body


async def test_overall_override_is_shown_applied_and_revocable(api_without_worker: Stack) -> None:
    api = api_without_worker
    computed = await seeded(api)
    created = await api.http.post("/v1/customers/acme/health/overrides", json=override())
    assert created.status_code == 201, created.text
    assert created.json()["active"] is True

    current = (await api.http.get("/v1/customers/acme/health")).json()["current"]
    assert (current["score"], current["risk_level"]) == (15.0, "at_risk")
    [applied] = current["overrides"]
    assert (applied["component"], applied["author"], applied["computed_score"]) == (
        "overall",
        "kim",
        computed,
    )
    listed = (await api.http.get("/v1/customers", params={"risk_level": "at_risk"})).json()
    assert [c["health_score"] for c in listed["data"]] == [15.0]

    expires = datetime.fromisoformat(created.json()["expires_at"])
    later = (expires + timedelta(hours=1)).isoformat()
    after = (await api.http.get("/v1/customers/acme/health", params={"as_of": later})).json()
    assert after["current"]["overrides"] == []

    override_id = created.json()["id"]
    revoked = await api.http.post(
        f"/v1/customers/acme/health/overrides/{override_id}/revoke", json={"author": "lee"}
    )
    assert (revoked.json()["active"], revoked.json()["revoked_by"]) == (False, "lee")
    back = (await api.http.get("/v1/customers/acme/health")).json()["current"]
    assert (back["score"], back["overrides"]) == (computed, [])
    audit = (await api.http.get("/v1/customers/acme/health/overrides")).json()
    assert [(o["author"], o["revoked_by"], o["reason"]) for o in audit] == [
        ("kim", "lee", "champion left, renewal in doubt")
    ]


async def test_component_override_changes_the_weighted_score_and_says_so(
    api_without_worker: Stack,
) -> None:
    api = api_without_worker
    computed = await seeded(api)
    response = await api.http.post(
        "/v1/customers/acme/health/overrides", json=override(component="usage", score=0)
    )
    assert response.status_code == 201
    current = (await api.http.get("/v1/customers/acme/health")).json()["current"]
    usage = next(c for c in current["components"] if c["name"] == "usage")
    assert usage["score"] == 0
    assert usage["explanation"].startswith("set to 0 by kim until")
    assert current["score"] < computed


async def test_bad_overrides_are_rejected_clearly(api_without_worker: Stack) -> None:
    api = api_without_worker
    await seeded(api)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for body, needle in [
        (override(expires_at=past), "expires_at must be in the future"),
        (override(component="vibes"), "component"),
        (override(score=101), "score"),
        (override(reason=""), "reason"),
    ]:
        response = await api.http.post("/v1/customers/acme/health/overrides", json=body)
        assert response.status_code == 422 and needle in response.text, body
    missing = await api.http.post(
        "/v1/customers/acme/health/overrides/999/revoke", json={"author": "lee"}
    )
    assert missing.status_code == 404
