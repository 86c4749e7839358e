"""Nightly portfolio scoring: batch-score every tenant, then tell only the journeys that moved."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from models.churn import ChurnModelStatus
    from models.health import PortfolioRequest, PortfolioResult, RiskChange
    from models.journey import journey_workflow_id
    from models.playbook import PlaybookRef
    from workflows import activity_names

SIGNALS_IN_FLIGHT = 50
RISK_CHANGED_SIGNAL = "risk_changed"


class PortfolioInput(BaseModel):
    playbook: PlaybookRef
    tenant_ids: list[str] | None = None
    """None scores every tenant."""


class PortfolioSummary(BaseModel):
    tenants: list[PortfolioResult]
    signalled: int
    without_journey: int


@workflow.defn(name="PortfolioScoring")
class PortfolioScoringWorkflow:
    @workflow.run
    async def run(self, input: PortfolioInput) -> PortfolioSummary:
        tenants = input.tenant_ids
        if tenants is None:
            tenants = await workflow.execute_activity(
                activity_names.LIST_TENANTS,
                result_type=list[str],
                start_to_close_timeout=timedelta(seconds=30),
            )
        results = []
        signalled = missing = 0
        for tenant_id in tenants:
            request = PortfolioRequest(
                tenant_id=tenant_id,
                playbook_name=input.playbook.name,
                playbook_version=input.playbook.version,
                as_of=workflow.now(),
                run_key=f"portfolio/{workflow.info().workflow_id}/{workflow.info().run_id}",
            )
            result = await workflow.execute_activity(
                activity_names.SCORE_PORTFOLIO,
                request,
                result_type=PortfolioResult,
                start_to_close_timeout=timedelta(minutes=30),
                retry_policy=RetryPolicy(maximum_attempts=5),
            )
            churn = await workflow.execute_activity(
                activity_names.FIT_CHURN_MODEL,
                request,
                result_type=ChurnModelStatus,
                start_to_close_timeout=timedelta(minutes=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
            results.append(result.model_copy(update={"churn_model": churn.detail}))
            sent = await self._signal_changes(tenant_id, result.changed)
            signalled += sent
            missing += len(result.changed) - sent
        return PortfolioSummary(tenants=results, signalled=signalled, without_journey=missing)

    async def _signal_changes(self, tenant_id: str, changes: list[RiskChange]) -> int:
        """Signal in bounded batches; a customer with no running journey is counted, not fatal."""
        delivered = 0
        for start in range(0, len(changes), SIGNALS_IN_FLIGHT):
            batch = changes[start : start + SIGNALS_IN_FLIGHT]
            outcomes = await asyncio.gather(
                *(
                    workflow.get_external_workflow_handle(
                        journey_workflow_id(tenant_id, change.customer_id)
                    ).signal(RISK_CHANGED_SIGNAL, change)
                    for change in batch
                ),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException) and not isinstance(outcome, FailureError):
                    raise outcome
                delivered += outcome is None
        return delivered
