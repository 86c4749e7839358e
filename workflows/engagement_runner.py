"""Runs the engagement engine inside the journey: fires triggers, applies the guardrails,
delivers through the channel activities, and keeps CS tasks to their SLA.

Workflow code: deterministic, no I/O except through activities. The journey owns one runner
and calls `engage` at each turn of its loop; the pure decisions live in `workflows.engagement`
and `workflows.guardrails`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from models.engagement import (
        CustomerContext,
        DecisionRecord,
        DeliveryRequest,
        DeliveryResult,
        EngagementState,
        ExposureRecord,
        OpenTask,
        QueuedMessage,
        TaskOutcome,
    )
    from models.journey import InterventionRecord, JourneyCarry, JourneyInput
    from models.playbook import Playbook
    from models.triggers import Action
    from workflows import activity_names, engagement, guardrails, journey, message_variables
    from workflows.trigger_rules import Occasion

DELIVERY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=10)
QUICK_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
ESCALATION_TEMPLATE = "task_escalated"


class EngagementRunner:
    def __init__(
        self,
        journey_input: Callable[[], JourneyInput],
        carry: Callable[[], JourneyCarry],
        playbook: Callable[[], Playbook],
        remember: Callable[[InterventionRecord], None],
    ) -> None:
        self._input = journey_input
        self._carry = carry
        self._playbook = playbook
        self._remember = remember
        self._occasions: list[Occasion] = []
        self._customer: CustomerContext | None = None
        self._pending_exposures: set[str] = set()

    @property
    def state(self) -> EngagementState:
        return self._carry().engagement

    @property
    def has_occasions(self) -> bool:
        return bool(self._occasions)

    def notice(self, occasion: Occasion) -> None:
        """Something happened; triggers see it at the next `engage`."""
        self._occasions.append(occasion)

    def goal(self, *, milestone: str | None = None, event: str | None = None) -> None:
        before = {key: e.converted_at for key, e in self.state.exposures.items()}
        playbook, now = self._playbook(), workflow.now()
        engagement.reach_goal(playbook, self.state, now, milestone=milestone, event=event)
        if milestone is not None:
            engagement.cancel_obsolete(playbook, self.state, milestone, now)
        for key, exposure in self.state.exposures.items():
            if exposure.converted_at is not None and before.get(key) is None:
                self._pending_exposures.add(key)

    def next_wakeup(self) -> tuple[datetime, str] | None:
        carry, journey_input = self._carry(), self._input()
        timezone = self._customer.timezone if self._customer else "UTC"
        candidates = [
            (task.due_at, f"task {task.message_key} is due")
            for task in carry.open_tasks
            if not task.escalated
        ]
        found = engagement.next_wakeup(
            self._playbook(),
            self.state,
            carry.achievements,
            journey_input.signup_at,
            carry.last_event_at,
            timezone,
        )
        if found is not None:
            candidates.append(found)
        return min(candidates, default=None)

    async def engage(self) -> None:
        """Fire what came due, then send what is due, each past the guardrails."""
        playbook, carry, journey_input = self._playbook(), self._carry(), self._input()
        now = workflow.now()
        occasions, self._occasions = self._occasions, []
        local_times = any(
            t.when.schedule and t.when.schedule.local_time for t in playbook.engagement.triggers
        )
        if self._customer is None and local_times:
            await self._context()
        timezone = self._customer.timezone if self._customer else "UTC"
        occasions += engagement.scheduled_occasions(
            playbook, self.state, journey_input.signup_at, timezone, now
        )
        occasions += engagement.overdue_occasions(
            playbook, self.state, carry.achievements, journey_input.signup_at, now
        )
        occasions += engagement.inactivity_occasions(
            playbook, self.state, carry.last_event_at, journey_input.signup_at, now
        )
        timed_out = any(wait.deadline <= now for wait in self.state.waits)
        if not occasions and not timed_out and not engagement.due_messages(self.state, now):
            await self._escalate_lapsed_tasks()
            return
        context = await self._context()
        known = set(self.state.exposures)
        for occasion in occasions:
            variables = self._condition_variables(context, occasion)
            if occasion.kind == "campaign":
                engagement.fire_campaign(self.state, occasion, variables, now)
                continue
            if occasion.event is not None:
                engagement.resolve_waits(playbook, self.state, now, occasion.event.name)
            engagement.fire(
                playbook,
                self.state,
                occasion,
                variables,
                journey_input.customer_id,
                now,
            )
        engagement.resolve_waits(playbook, self.state, now)
        self._pending_exposures |= set(self.state.exposures) - known
        await self._record_exposures()
        for message in engagement.due_messages(self.state, now):
            await self._send_or_defer(message, context, now)
        await self._escalate_lapsed_tasks()

    async def _context(self) -> CustomerContext:
        """The customer's attributes, read once per turn (they change outside the journey)."""
        journey_input = self._input()
        self._customer = await workflow.execute_activity(
            activity_names.LOAD_CUSTOMER_CONTEXT,
            [journey_input.tenant_id, journey_input.customer_id],
            result_type=CustomerContext,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=QUICK_RETRY,
        )
        return self._customer

    def release(self, held_until: datetime | None, now: datetime) -> None:
        """The journey was resumed: what waited for the pause to end is due now."""
        for message in self.state.queue:
            if held_until is not None and message.due_at == held_until:
                message.due_at = now

    async def _send_or_defer(
        self, message: QueuedMessage, context: CustomerContext, now: datetime
    ) -> None:
        state = self.state
        paused = self._carry().paused_until
        staff = message.action.channel in guardrails.STAFF_CHANNELS
        if paused is not None and paused > now and not staff:
            if message.due_at != paused:
                reason = f"journey paused until {paused:%Y-%m-%d %H:%M} UTC"
                self._decide(message, "deferred", reason)
            message.due_at = paused
            return
        decision = guardrails.decide(
            state.sent,
            message.action.channel,
            self._playbook().engagement.guardrails,
            context.timezone,
            now,
            message.when_capped,
        )
        if decision.verdict == "defer":
            if message.due_at == now or message.deferrals == 0:
                self._decide(message, "deferred", decision.reason)
            message.due_at = decision.at
            message.deferrals += 1
            return
        state.queue.remove(message)
        if decision.verdict == "drop":
            self._decide(message, "dropped", decision.reason)
            return
        result = await self._deliver(message)
        if result.status in ("sent", "already_sent"):
            engagement.mark_sent(state, message, now)
            if message.action.channel == "task":
                self._open_task(message, now)
        verdict = "sent" if result.status == "already_sent" else result.status
        self._decide(message, verdict, result.detail)

    async def _deliver(self, message: QueuedMessage) -> DeliveryResult:
        journey_input = self._input()
        trigger = next(
            (t for t in self._playbook().engagement.triggers if t.key == message.trigger), None
        )
        key = f"{workflow.info().workflow_id}/{message.key}"
        request = DeliveryRequest(
            tenant_id=journey_input.tenant_id,
            customer_id=journey_input.customer_id,
            idempotency_key=key,
            trigger=message.trigger,
            category=message.category or (trigger.category if trigger else "onboarding"),
            action=message.action,
            variables=self._template_variables(message),
            variant=message.variant,
            experiment=trigger.experiment.key if trigger and trigger.experiment else None,
        )
        result: DeliveryResult
        try:
            result = await workflow.execute_activity(
                activity_names.DELIVER_MESSAGE,
                request,
                result_type=DeliveryResult,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError as err:
            result = DeliveryResult(status="failed", detail=str(err.cause or err))
        self._remember(
            InterventionRecord(
                kind=message.trigger,
                channel=message.action.channel,
                milestone_key=message.milestone,
                idempotency_key=key,
                status=result.status,
                at=workflow.now(),
                detail=result.detail,
            )
        )
        return result

    def _decide(self, message: QueuedMessage, verdict: Any, reason: str) -> None:
        engagement.decide(
            self.state,
            DecisionRecord(
                at=workflow.now(),
                trigger=message.trigger,
                verdict=verdict,
                key=message.key,
                channel=message.action.channel,
                reason=reason,
            ),
        )

    def _open_task(self, message: QueuedMessage, now: datetime) -> None:
        hours = message.action.due_hours or 24
        self._carry().open_tasks.append(
            OpenTask(
                key=f"{workflow.info().workflow_id}/{message.key}",
                message_key=message.key,
                trigger=message.trigger,
                due_at=now + timedelta(hours=hours),
            )
        )

    async def complete_task(self, key: str, actor: str, note: str) -> None:
        carry = self._carry()
        task = next(t for t in carry.open_tasks if t.key == key)
        carry.open_tasks.remove(task)
        await self._task_outcome(
            TaskOutcome(
                tenant_id=self._input().tenant_id,
                idempotency_key=key,
                outcome="done",
                actor=actor,
                note=note,
            )
        )

    async def _escalate_lapsed_tasks(self) -> None:
        """A task past its SLA goes to the fallback owner, with an alert on Slack."""
        now = workflow.now()
        for task in [t for t in self._carry().open_tasks if not t.escalated and t.due_at <= now]:
            task.escalated = True
            await self._task_outcome(
                TaskOutcome(
                    tenant_id=self._input().tenant_id,
                    idempotency_key=task.key,
                    outcome="escalated",
                )
            )
            alert = QueuedMessage(
                key=f"{task.message_key}/escalation",
                trigger=task.trigger,
                action=Action(channel="slack", template=ESCALATION_TEMPLATE),
                priority=1,
                when_capped="defer",
                due_at=now,
            )
            await self._deliver(alert)

    async def _task_outcome(self, outcome: TaskOutcome) -> None:
        await workflow.execute_activity(
            activity_names.RECORD_TASK_OUTCOME,
            outcome,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=QUICK_RETRY,
        )

    async def _record_exposures(self) -> None:
        journey_input = self._input()
        for key in sorted(self._pending_exposures):
            await workflow.execute_activity(
                activity_names.RECORD_EXPOSURE,
                ExposureRecord(
                    tenant_id=journey_input.tenant_id,
                    customer_id=journey_input.customer_id,
                    exposure=self.state.exposures[key],
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=QUICK_RETRY,
            )
        self._pending_exposures = set()

    def _journey_variables(self) -> dict[str, Any]:
        playbook, carry = self._playbook(), self._carry()
        points = journey.total_points(carry.achievements) + carry.bonus_points
        return message_variables.journey_variables(
            playbook, carry.achievements, points, carry.stage.value, carry.last_score
        )

    def _milestone_variables(self, key: str | None) -> dict[str, Any] | None:
        milestone = self._playbook().milestone(key) if key else None
        return message_variables.milestone_variables(milestone) if milestone else None

    def _condition_variables(self, context: CustomerContext, occasion: Occasion) -> dict[str, Any]:
        carry = self._carry()
        now = workflow.now()
        anchor = carry.last_event_at or self._input().signup_at
        state = {
            **self._journey_variables(),
            "milestones_done": sorted(carry.achievements),
            "days_since_signup": (now - self._input().signup_at).days,
            "days_inactive": (now - anchor).days,
            "milestone": self._milestone_variables(occasion.milestone) or {},
        }
        event = occasion.event
        return {
            "customer": context.model_dump(mode="json"),
            "state": state,
            "event": (
                {"name": event.name, "properties": event.properties}
                if event is not None
                else {"name": "", "properties": {}}
            ),
        }

    def _template_variables(self, message: QueuedMessage) -> dict[str, Any]:
        variables: dict[str, Any] = {"journey": self._journey_variables()}
        milestone = self._milestone_variables(message.milestone)
        if milestone is not None:
            variables["milestone"] = milestone
        return variables
