"""Rate limits: per API key on ingest, per client address on dashboard sign-in; 429 with
Retry-After, and one key's flood does not slow another key."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from core.rate_limit import RateLimiter
from models.api_key import Scope
from tests.stack import running_stack


def test_a_bucket_refills_at_its_rate() -> None:
    limiter = RateLimiter(per_second=2, burst=3)
    assert [limiter.take("k", now=0.0) for _ in range(3)] == [None, None, None]
    assert limiter.take("k", now=0.0) == 1
    assert limiter.take("other", now=0.0) is None
    assert limiter.take("k", now=0.5) is None  # one token back after half a second
    assert limiter.take("k", now=0.5) == 1


async def test_ingest_and_sign_in_answer_429_with_retry_after(
    dev_env: WorkflowEnvironment, sqlite_settings: Settings
) -> None:
    tight = sqlite_settings.model_copy(
        update={
            "ingest_rate_per_second": 0.5,
            "ingest_burst": 3,
            "login_attempts_per_minute": 2,
            "dashboard_rate_per_second": 0.5,
            "dashboard_burst": 2,
        }
    )
    async with running_stack(dev_env, tight, with_worker=False) as api:
        flooding, calm = api.key(None, Scope.INGEST), api.key(None, Scope.INGEST)
        event = {
            "event_id": "e1",
            "customer_id": "acme",
            "name": "page.viewed",
            "occurred_at": "2026-11-01T09:00:00Z",
        }
        answers = [
            (await api.http.post("/v1/events", json=event, headers=flooding)).status_code
            for _ in range(4)
        ]
        assert answers == [202, 202, 202, 429]
        limited = await api.http.post("/v1/events", json=event, headers=flooding)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.headers["content-type"] == "application/problem+json"
        assert (await api.http.post("/v1/events", json=event, headers=calm)).status_code == 202
        # Reading is not rate limited by the ingest budget.
        assert (await api.http.get("/v1/customers")).status_code == 200

        attempts = [
            await api.http.post("/dashboard/login", data={"api_key": "onb_guess"}) for _ in range(3)
        ]
        assert [a.status_code for a in attempts] == [401, 401, 429]
        assert int(attempts[-1].headers["retry-after"]) >= 1

        staff_key = api.key(None, Scope.READ)["Authorization"].split()[1]
        api.http.cookies.set("onboard_session", staff_key)
        pages = [(await api.http.get("/dashboard/tasks")).status_code for _ in range(3)]
        assert pages == [200, 200, 429]
