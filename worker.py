"""The Temporal worker: stateless, so production runs as many as it needs on one task queue."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities import journey_activities
from core.config import Settings, get_settings
from core.db import get_engine, migrate
from core.playbooks import sync_playbooks
from core.schedules import ensure_portfolio_schedule
from core.temporal import connect
from models.playbook import PlaybookRef
from workflows.campaign_workflow import CampaignWorkflow
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.portfolio_workflow import PortfolioScoringWorkflow

ACTIVITY_THREADS = 16


def build_worker(client: Client, settings: Settings) -> Worker:
    engine = get_engine(settings)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[CustomerJourneyWorkflow, PortfolioScoringWorkflow, CampaignWorkflow],
        activities=journey_activities(engine, settings),
        activity_executor=ThreadPoolExecutor(max_workers=ACTIVITY_THREADS),
        max_concurrent_activities=ACTIVITY_THREADS,
    )


async def run_worker(settings: Settings) -> None:
    """Migrate, record the playbooks, connect and run until cancelled."""
    migrate(settings)
    playbook = sync_playbooks(get_engine(settings), settings.playbook_dir, settings.template_dir)[
        settings.default_playbook
    ]
    client = await connect(settings)
    await ensure_portfolio_schedule(
        client, settings, PlaybookRef(name=playbook.name, version=playbook.version)
    )
    worker = build_worker(client, settings)
    logging.getLogger(__name__).info(
        "worker polling %s on %s", settings.task_queue, settings.temporal_address
    )
    await worker.run()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(get_settings()))


if __name__ == "__main__":
    main()
