"""A/B tests with holdouts: results per variant against the holdout."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from api.deps import PlaybookDep, Read, SessionDep, TenantDep
from core.experiment_report import experiment_report, experiment_reports, experiment_trigger
from models.experiment import ExperimentReport

router = APIRouter(prefix="/v1/experiments", tags=["experiments"], dependencies=[Read])


@router.get("")
def list_experiments(
    session: SessionDep, tenant: TenantDep, playbook: PlaybookDep
) -> list[ExperimentReport]:
    """Every experiment in the tenant's current playbook, with its results so far."""
    return experiment_reports(session, tenant, playbook)


@router.get("/{key}")
def get_experiment(
    key: str, session: SessionDep, tenant: TenantDep, playbook: PlaybookDep
) -> ExperimentReport:
    trigger = experiment_trigger(playbook, key)
    if trigger is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no experiment {key!r} in the current playbook"
        )
    return experiment_report(session, tenant, trigger)
