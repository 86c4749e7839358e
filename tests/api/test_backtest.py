"""GET /v1/health/backtest on imported history with recorded outcomes."""

from __future__ import annotations

from bench.synthetic import as_import_rows, generate
from core.backfill import import_events
from core.db import get_engine
from models.event import EventCreate
from tests.stack import Stack


async def test_backtest_reports_auc_and_traces_from_imported_history(
    api_without_worker: Stack,
) -> None:
    api = api_without_worker
    rows = as_import_rows(generate(60, seed=5))
    events = [EventCreate.model_validate(row) for row in rows]
    import_events(get_engine(api.settings), api.settings.default_tenant, events)

    report = (await api.http.get("/v1/health/backtest")).json()
    assert report["customers_with_outcome"] == 60
    assert report["churned"] + report["renewed"] == 60
    thirty = next(h for h in report["horizons"] if h["days"] == 30)
    assert thirty["roc_auc"] is not None and thirty["roc_auc"] > 0.7
    trace = report["churned_customers"][0]
    assert set(trace["scores"]) == {"30", "60", "90"}
    assert trace["drivers"]


async def test_backtest_without_outcomes_says_so(api_without_worker: Stack) -> None:
    report = (await api_without_worker.http.get("/v1/health/backtest")).json()
    assert report["customers_with_outcome"] == 0
    assert "too few outcomes" in report["note"]


async def test_churn_model_is_fitted_from_outcomes_and_shown_next_to_the_score(
    api_without_worker: Stack,
) -> None:
    api = api_without_worker
    before = (await api.http.get("/v1/health/churn-model")).json()
    assert before["status"] == "insufficient_data" and "onboard import" in before["detail"]

    rows = as_import_rows(generate(110, seed=21))
    events = [EventCreate.model_validate(row) for row in rows]
    import_events(get_engine(api.settings), api.settings.default_tenant, events)
    fitted = (await api.http.post("/v1/health/churn-model/fit")).json()
    assert fitted["status"] == "fitted", fitted["detail"]
    assert fitted["model"]["cv_auc"] > 0.8

    health = (await api.http.get("/v1/customers/c00001/health")).json()
    churn = health["churn"]
    assert churn["status"] == "estimated"
    assert 0 <= churn["probability"] <= 1
    assert churn["horizon_days"] == 30
    assert (await api.http.get("/v1/health/churn-model")).json()["status"] == "fitted"
