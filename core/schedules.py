"""The nightly portfolio run as a Temporal Schedule (visible and pausable in the Web UI)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from core.config import Settings
from models.playbook import PlaybookRef
from workflows.portfolio_workflow import PortfolioInput, PortfolioScoringWorkflow

PORTFOLIO_SCHEDULE_ID = "portfolio-scoring"


def portfolio_schedule(settings: Settings, playbook: PlaybookRef) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            PortfolioScoringWorkflow.run,
            PortfolioInput(playbook=playbook),
            id="portfolio-scoring-run",
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=[settings.portfolio_cron]),
        # A run still going when the next is due: skip the new one rather than pile up.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_portfolio_schedule(
    client: Client, settings: Settings, playbook: PlaybookRef
) -> bool:
    """Create the schedule unless it exists; returns whether it was created."""
    try:
        await client.create_schedule(PORTFOLIO_SCHEDULE_ID, portfolio_schedule(settings, playbook))
    except ScheduleAlreadyRunningError:
        return False
    return True
