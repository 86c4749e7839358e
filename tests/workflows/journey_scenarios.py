"""Journey scenarios shared by the time-skipping tests and the history recorder."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import journey_activities
from core.config import Settings
from core.db import ensure_tenant, get_engine, session_scope
from core.playbooks import sync_playbooks
from models.customer import Customer
from models.journey import JourneyInput, JourneySnapshot, ProductEvent, journey_workflow_id
from models.playbook import PlaybookRef
from tests.factories import product_event
from tests.helpers import new_worker
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.search_attributes import start_search_attributes

TENANT = "acme"
JourneyHandle = WorkflowHandle[CustomerJourneyWorkflow, None]


@dataclass
class QuietCustomerRun:
    signup: datetime
    state: JourneySnapshot
    handle: JourneyHandle


def seed_customer(
    settings: Settings, customer_id: str, *, timezone: str = "UTC", playbook: str = "default"
) -> PlaybookRef:
    engine = get_engine(settings)
    loaded = sync_playbooks(engine, settings.playbook_dir)[playbook]
    with session_scope(engine) as session:
        ensure_tenant(session, TENANT)
        session.add(
            Customer(
                tenant_id=TENANT,
                customer_id=customer_id,
                email="dana@example.test",
                name="Dana",
                timezone=timezone,
            )
        )
    return PlaybookRef(name=loaded.name, version=loaded.version)


async def start_journey(
    env: WorkflowEnvironment,
    task_queue: str,
    ref: PlaybookRef,
    customer_id: str,
    first: ProductEvent,
    *,
    events_per_run: int = 1000,
) -> JourneyHandle:
    return await env.client.start_workflow(
        CustomerJourneyWorkflow.run,
        JourneyInput(
            tenant_id=TENANT,
            customer_id=customer_id,
            playbook=ref,
            signup_at=first.occurred_at,
            events_per_run=events_per_run,
        ),
        id=journey_workflow_id(TENANT, customer_id),
        task_queue=task_queue,
        start_signal="record_event",
        start_signal_args=[first],
        search_attributes=start_search_attributes(TENANT),
    )


def journey_worker(env: WorkflowEnvironment, settings: Settings) -> Worker:
    """A test worker running the journey with the real activities."""
    return new_worker(
        env.client,
        CustomerJourneyWorkflow,
        activities=journey_activities(get_engine(settings), settings),
    )


async def run_quiet_customer(env: WorkflowEnvironment, settings: Settings) -> QuietCustomerRun:
    """Signs up, verifies email, creates a project 20 minutes later, then goes quiet for 31 days."""
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    ref = seed_customer(settings, customer_id)
    signup = await env.get_current_time()
    worker = journey_worker(env, settings)
    async with worker:
        handle = await start_journey(
            env,
            worker.task_queue,
            ref,
            customer_id,
            product_event("user.email_verified", signup, "e1"),
        )
        await handle.signal(
            CustomerJourneyWorkflow.record_event,
            product_event("project.created", signup + timedelta(minutes=20), "e2"),
        )
        await env.sleep(timedelta(days=31))
        state = await handle.query(CustomerJourneyWorkflow.state)
    return QuietCustomerRun(signup=signup, state=state, handle=handle)
