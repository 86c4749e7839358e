"""Health endpoints: time travel from the event log, history, cohort percentiles, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from core.customers import find_customer
from core.db import get_engine, session_scope
from models.score import HealthScoreRecord
from tests.stack import Stack

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def event(event_id: str, name: str, at: datetime, **properties: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "customer_id": "acme",
        "name": name,
        "occurred_at": at.isoformat(),
        "properties": properties,
    }


async def test_as_of_recomputes_from_the_log_and_ignores_later_events(api: Stack) -> None:
    batch = [event(f"v{day}", "page.viewed", T0 + timedelta(days=day)) for day in range(10)]
    batch.append(event("t1", "support.ticket_opened", T0 + timedelta(days=20), priority="p1"))
    assert (await api.http.post("/v1/events/batch", json={"events": batch})).status_code == 202

    early = (
        await api.http.get("/v1/customers/acme/health", params={"as_of": "2026-03-05T12:00:00Z"})
    ).json()
    late = (
        await api.http.get("/v1/customers/acme/health", params={"as_of": "2026-03-25T12:00:00Z"})
    ).json()
    assert early["computed_live"] and early["as_of"] == "2026-03-05T12:00:00Z"
    early_components = {c["name"]: c for c in early["current"]["components"]}
    late_components = {c["name"]: c for c in late["current"]["components"]}
    assert early_components["usage"]["inputs"]["active_days"] == 5
    assert late_components["usage"]["inputs"]["active_days"] == 10
    assert early_components["support"]["score"] is None  # the ticket did not exist yet
    assert late_components["support"]["score"] == 100 - 15 - 25
    assert "1 urgent still open" in late_components["support"]["explanation"]


def store_score(
    session: Session, tenant: str, customer_id: str, at: datetime, score: float, risk: str
) -> None:
    session.add(
        HealthScoreRecord(
            tenant_id=tenant,
            customer_id=customer_id,
            idempotency_key=f"{customer_id}/{at.isoformat()}",
            computed_at=at,
            score=score,
            risk_level=risk,
            confidence=1.0,
            components=[],
            drivers=["usage: test"],
        )
    )


async def test_current_is_the_latest_stored_score_with_history_and_percentiles(
    api_without_worker: Stack,
) -> None:
    api = api_without_worker
    tenant = api.settings.default_tenant
    for customer_id, segment, industry, score, risk, mrr in [
        ("acme", "smb", "fintech", 55.0, "watch", 100.0),
        ("p1", "smb", None, 40.0, "at_risk", 300.0),
        ("p2", "smb", "fintech", 80.0, "healthy", 50.0),
        ("p3", "enterprise", None, 30.0, "at_risk", 1000.0),
    ]:
        await api.http.post(
            "/v1/customers",
            json={"customer_id": customer_id, "segment": segment, "industry": industry, "mrr": mrr},
        )
        with session_scope(get_engine(api.settings)) as session:
            customer = find_customer(session, tenant, customer_id)
            assert customer is not None
            customer.health_score, customer.risk_level = score, risk
            session.add(customer)
    now = datetime.now(UTC)
    with session_scope(get_engine(api.settings)) as session:
        store_score(session, tenant, "acme", now - timedelta(days=10), 70.0, "healthy")
        store_score(session, tenant, "acme", now - timedelta(days=1), 55.0, "watch")
    body = (await api.http.get("/v1/customers/acme/health")).json()
    assert body["computed_live"] is False
    assert (body["current"]["score"], body["current"]["risk_level"]) == (55.0, "watch")
    assert [p["score"] for p in body["history"]] == [70.0, 55.0]
    # smb peers: 40, 55, 80 → 2 of 3 at or below 55; fintech: 55, 80 → 1 of 2; tenant: 3 of 4
    assert body["percentiles"] == {"segment": 66.7, "industry": 50.0, "plan": None, "tenant": 75.0}

    summary = (await api.http.get("/v1/health/summary")).json()
    assert (summary["customers"], summary["scored"]) == (4, 4)
    assert summary["risk_counts"] == {"healthy": 1, "watch": 1, "at_risk": 2, "unknown": 0}
    assert summary["at_risk_mrr"] == 1300.0
    assert summary["average_score"] == 51.2
    assert {b["low"]: b["count"] for b in summary["distribution"] if b["count"]} == {
        30: 1,
        40: 1,
        50: 1,
        80: 1,
    }
    # Five days ago only acme's score from ten days ago existed.
    then = (now - timedelta(days=5)).isoformat()
    past = (await api.http.get("/v1/health/summary", params={"as_of": then})).json()
    assert (past["customers"], past["scored"], past["average_score"]) == (4, 1, 70.0)
    assert past["risk_counts"] == {"healthy": 1, "watch": 0, "at_risk": 0, "unknown": 3}


async def test_health_errors_are_clear(api: Stack) -> None:
    assert (await api.http.get("/v1/customers/ghost/health")).status_code == 404
    await api.http.post("/v1/customers", json={"customer_id": "acme"})
    bad = await api.http.get("/v1/customers/acme/health", params={"as_of": "last tuesday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "as_of"]
