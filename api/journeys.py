"""The one place where the API talks to the customers' journey workflows."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from models.journey import (
    JourneyInput,
    JourneySnapshot,
    MilestoneChange,
    PauseChange,
    PlaybookMigration,
    ProductEvent,
    journey_workflow_id,
)
from models.playbook import PlaybookRef
from models.task import TaskCompletion
from workflows.journey_workflow import CustomerJourneyWorkflow
from workflows.search_attributes import start_search_attributes

QUERY_TIMEOUT = timedelta(seconds=5)
"""A page must not hang when no worker is running; the stored attributes still answer."""


def journey_input(
    tenant_id: str,
    customer_id: str,
    signup_at: datetime,
    playbook: PlaybookRef,
) -> JourneyInput:
    return JourneyInput(
        tenant_id=tenant_id, customer_id=customer_id, playbook=playbook, signup_at=signup_at
    )


async def deliver_event(
    client: Client, task_queue: str, journey: JourneyInput, event: ProductEvent
) -> None:
    """Signal-with-start: the event reaches the journey whether or not it is running yet."""
    await client.start_workflow(
        CustomerJourneyWorkflow.run,
        journey,
        id=journey_workflow_id(journey.tenant_id, journey.customer_id),
        task_queue=task_queue,
        start_signal="record_event",
        start_signal_args=[event],
        search_attributes=start_search_attributes(journey.tenant_id),
    )


async def ensure_journey(client: Client, task_queue: str, journey: JourneyInput) -> None:
    """Start the journey of a customer created before any product event; no-op if running."""
    await client.start_workflow(
        CustomerJourneyWorkflow.run,
        journey,
        id=journey_workflow_id(journey.tenant_id, journey.customer_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=start_search_attributes(journey.tenant_id),
    )


async def journey_state(
    client: Client, tenant_id: str, customer_id: str
) -> tuple[JourneySnapshot | None, str | None]:
    """The live state, or None and why not (no journey yet, or Temporal unreachable)."""
    handle = client.get_workflow_handle_for(
        CustomerJourneyWorkflow.run, journey_workflow_id(tenant_id, customer_id)
    )
    try:
        state = await handle.query(CustomerJourneyWorkflow.state, rpc_timeout=QUERY_TIMEOUT)
        return state, None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None, "no journey started yet"
        # The client's own deadline surfaces as CANCELLED, the server's as DEADLINE_EXCEEDED.
        if err.status in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):
            return None, "journey state unavailable: no worker answered in time"
        return None, f"journey state unavailable: {err.message}"
    except WorkflowQueryFailedError as err:
        return None, f"journey state unavailable: {err}"


class JourneyUpdateRejected(ValueError):
    """The journey refused the update (its validator or handler said why)."""


async def _update(
    client: Client, tenant_id: str, customer_id: str, name: str, argument: BaseModel
) -> JourneySnapshot:
    handle = client.get_workflow_handle_for(
        CustomerJourneyWorkflow.run, journey_workflow_id(tenant_id, customer_id)
    )
    try:
        state: JourneySnapshot = await handle.execute_update(
            name, argument, result_type=JourneySnapshot
        )
        return state
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
        raise JourneyUpdateRejected(message) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise JourneyUpdateRejected("no journey is running for this customer") from None
        raise


async def change_milestone(
    client: Client, tenant_id: str, customer_id: str, change: MilestoneChange
) -> JourneySnapshot:
    """Reach or reset a milestone by hand; a refused change records nothing."""
    return await _update(client, tenant_id, customer_id, "change_milestone", change)


async def migrate_journey(
    client: Client, tenant_id: str, customer_id: str, migration: PlaybookMigration
) -> JourneySnapshot:
    """Move the journey to another playbook version; returns once it has moved."""
    return await _update(client, tenant_id, customer_id, "migrate_playbook", migration)


async def complete_task(
    client: Client, tenant_id: str, customer_id: str, completion: TaskCompletion
) -> JourneySnapshot:
    """Close a CS task the journey waits on; its SLA stops running."""
    return await _update(client, tenant_id, customer_id, "complete_task", completion)


async def change_pause(
    client: Client, tenant_id: str, customer_id: str, change: PauseChange
) -> JourneySnapshot:
    """Pause, snooze or resume the journey's messages; a refused change records nothing."""
    return await _update(client, tenant_id, customer_id, "change_pause", change)
