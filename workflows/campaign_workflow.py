"""A campaign run: fan the broadcast out to every journey of the tenant at a bounded rate.

Started by the campaign's Temporal Schedule (or by hand). It does not decide who gets what:
each journey applies the segment and its own guardrails, so a campaign cannot flood anyone.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.campaigns import AudiencePage
    from models.campaign import Broadcast, CampaignResult, CampaignRun
    from models.journey import journey_workflow_id
    from workflows import activity_names

PAGE_SIZE = 500
PAGES_PER_RUN = 20
"""10,000 signals per run, then continue-as-new (history stays small)."""


@workflow.defn(name="CampaignFanOut")
class CampaignWorkflow:
    @workflow.run
    async def run(self, run: CampaignRun) -> CampaignResult:
        broadcast = Broadcast(run_id=workflow.info().workflow_id, definition=run.definition)
        for _ in range(PAGES_PER_RUN):
            page: list[str] = await workflow.execute_activity(
                activity_names.LIST_AUDIENCE,
                AudiencePage(tenant_id=run.tenant_id, after=run.after, limit=PAGE_SIZE),
                result_type=list[str],
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            if not page:
                return CampaignResult(signalled=run.signalled, missing=run.missing)
            for start in range(0, len(page), run.rate_per_second):
                batch = page[start : start + run.rate_per_second]
                reached = await asyncio.gather(
                    *(self._signal(run.tenant_id, customer, broadcast) for customer in batch)
                )
                run.signalled += sum(reached)
                run.missing += len(batch) - sum(reached)
                await workflow.sleep(timedelta(seconds=1))
            run.after = page[-1]
        workflow.continue_as_new(run)

    @staticmethod
    async def _signal(tenant_id: str, customer_id: str, broadcast: Broadcast) -> bool:
        handle = workflow.get_external_workflow_handle(journey_workflow_id(tenant_id, customer_id))
        try:
            await handle.signal("broadcast", broadcast)
        except FailureError:
            return False  # no running journey (not started yet, or finished)
        return True
