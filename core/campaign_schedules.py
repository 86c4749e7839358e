"""Each campaign is a Temporal Schedule that starts its fan-out workflow: visible, pausable and
triggerable from the Web UI as well as the API."""

from __future__ import annotations

from datetime import UTC

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

from models.campaign import CampaignCreate, CampaignDefinition, CampaignRun
from workflows.campaign_workflow import CampaignWorkflow


def campaign_schedule_id(tenant_id: str, key: str) -> str:
    return f"campaign-{tenant_id}-{key}"  # keys have no '-': the last one splits


def campaign_schedule(tenant_id: str, campaign: CampaignCreate, task_queue: str) -> Schedule:
    definition = CampaignDefinition.model_validate(campaign, from_attributes=True)
    schedule_id = campaign_schedule_id(tenant_id, campaign.key)
    if campaign.at is not None:
        at = campaign.at.astimezone(UTC)
        spec = ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    year=[ScheduleRange(at.year)],
                    month=[ScheduleRange(at.month)],
                    day_of_month=[ScheduleRange(at.day)],
                    hour=[ScheduleRange(at.hour)],
                    minute=[ScheduleRange(at.minute)],
                    second=[ScheduleRange(at.second)],
                )
            ]
        )
        # A one-off: the calendar names a single moment, and one action is allowed.
        state = ScheduleState(limited_actions=True, remaining_actions=1)
    else:
        assert campaign.cron is not None
        spec = ScheduleSpec(cron_expressions=[campaign.cron], time_zone_name=campaign.timezone)
        state = ScheduleState()
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CampaignWorkflow.run,
            CampaignRun(
                tenant_id=tenant_id, definition=definition, rate_per_second=campaign.rate_per_second
            ),
            id=f"{schedule_id}-run",
            task_queue=task_queue,
        ),
        spec=spec,
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=state,
    )


async def create_campaign_schedule(
    client: Client, tenant_id: str, campaign: CampaignCreate, task_queue: str
) -> str:
    schedule_id = campaign_schedule_id(tenant_id, campaign.key)
    await client.create_schedule(schedule_id, campaign_schedule(tenant_id, campaign, task_queue))
    return schedule_id
