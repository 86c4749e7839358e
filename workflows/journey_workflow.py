"""The customer journey: one long-running workflow per customer that owns its onboarding."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.campaign import Broadcast
    from models.health import HealthScoreResult, RiskChange, RiskLevel, ScoreRequest
    from models.journey import (
        PAUSE_FOR_GOOD_DAYS,
        RECENT_EVENT_IDS_KEPT,
        RECENT_INTERVENTIONS_KEPT,
        RECENT_REWARDS_KEPT,
        RECENT_RISK_CHANGES_KEPT,
        Achievement,
        EngagementView,
        InterventionRecord,
        JourneyCarry,
        JourneyInput,
        JourneyProgress,
        JourneySnapshot,
        ManualChange,
        MigrationInput,
        MigrationRecord,
        MilestoneChange,
        MilestoneRecord,
        NudgeRequest,
        NudgeResult,
        PauseChange,
        PauseRecord,
        PlaybookMigration,
        ProductEvent,
        RewardEvent,
        RiskTransition,
        Stage,
    )
    from models.playbook import MilestoneDefinition, Playbook, Rewards
    from models.reserved_events import is_product_event
    from models.task import TaskCompletion
    from workflows import activity_names, journey, milestone_rules, rewards
    from workflows.engagement_runner import EngagementRunner
    from workflows.migration import MigrationPlan
    from workflows.search_attributes import (
        HEALTH_SCORE,
        JOURNEY_STATUS,
        ONBOARDING_STAGE,
        RISK_LEVEL,
        TENANT_ID,
    )
    from workflows.trigger_rules import Occasion

T = TypeVar("T")

JOURNEY_STATUS_PATCH = "journey-status"
ENGAGEMENT_PATCH = "engagement-triggers"
"""Journeys whose history predates triggers keep the old overdue nudges until they continue
as new; every new run asks again, so they move over at their next continue-as-new."""
QUICK_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
DELIVERY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=10)


@workflow.defn(name="CustomerJourney")
class CustomerJourneyWorkflow:
    @workflow.init
    def __init__(self, input: JourneyInput) -> None:
        self._input = input
        self._carry = input.carry or JourneyCarry()
        self._seen = set(self._carry.recent_event_ids)
        self._playbook: Playbook | None = None
        self._next_wakeup: tuple[datetime, str] | None = None
        self._events_this_run = 0
        self._migration: PlaybookMigration | None = None
        self._migration_failure: str | None = None
        self._engagement_patched = False
        self._poked = False
        self._runner = EngagementRunner(
            lambda: self._input,
            lambda: self._carry,
            self._require_playbook,
            self._remember_intervention,
        )

    @workflow.signal(name="record_event")
    def record_event(self, event: ProductEvent) -> None:
        """Queue an event once; a repeated event_id (API retry, outbox re-send) is dropped."""
        if event.event_id in self._seen:
            return
        self._seen.add(event.event_id)
        recent = self._carry.recent_event_ids
        recent.append(event.event_id)
        if len(recent) > RECENT_EVENT_IDS_KEPT:
            for forgotten in recent[: len(recent) - RECENT_EVENT_IDS_KEPT]:
                self._seen.discard(forgotten)
            del recent[: len(recent) - RECENT_EVENT_IDS_KEPT]
        self._carry.pending.append(event)

    @workflow.signal(name="risk_changed")
    def risk_changed(self, change: RiskChange) -> None:
        """The nightly batch moved this customer's risk level: publish it at once."""
        score = self._carry.last_score
        if score is not None:
            self._record_risk_change(score.risk_level, change.current, "nightly")
            self._carry.last_score = score.model_copy(
                update={"score": change.score, "risk_level": change.current}
            )
        workflow.upsert_search_attributes([RISK_LEVEL.value_set(change.current.value)])
        if change.score is not None:
            workflow.upsert_search_attributes([HEALTH_SCORE.value_set(change.score)])

    @workflow.signal(name="broadcast")
    def broadcast(self, broadcast: Broadcast) -> None:
        """A campaign run reached this customer: the journey applies its segment and guardrails
        (journeys from before engagement existed ignore it)."""
        if self._engagement_on:
            self._runner.notice(Occasion(kind="campaign", broadcast=broadcast))

    @workflow.update(name="change_milestone")
    async def change_milestone(self, change: MilestoneChange) -> JourneySnapshot:
        """CS staff reach or reset a milestone by hand; recorded with who did it and why."""
        playbook = self._require_playbook()
        milestone = playbook.milestone(change.milestone_key)
        assert milestone is not None  # the validator checked it
        now = workflow.now()
        achievement = Achievement(
            milestone_key=milestone.key, achieved_at=now, points=milestone.points
        )
        record = self._record(achievement)
        self._carry.manual_changes.append(ManualChange(**change.model_dump(), at=now))
        if change.action == "achieve":
            self._carry.achievements[milestone.key] = achievement
            self._celebrate("milestone", milestone.key, milestone.points)
            self._milestone_reached(milestone.key)
            await _quick(activity_names.RECORD_MILESTONE, record, type(None))
        else:
            self._carry.achievements.pop(milestone.key, None)
            self._carry.progress.pop(milestone.key, None)
            await _quick(activity_names.RESET_MILESTONE, record, type(None))
        self._award_badges()
        self._refresh_stage()
        self._refresh_status()
        await self._mirror_progress()
        return self.state()

    @change_milestone.validator
    def _validate_milestone_change(self, change: MilestoneChange) -> None:
        """Rejected changes leave no trace in the history."""
        playbook = self._playbook
        if playbook is None:
            raise ValueError("the journey is still starting; try again in a moment")
        milestone = playbook.milestone(change.milestone_key)
        if milestone is None:
            raise ValueError(f"unknown milestone {change.milestone_key!r}")
        reached = change.milestone_key in self._carry.achievements
        if change.action == "achieve":
            if reached:
                raise ValueError(f"milestone {change.milestone_key!r} is already reached")
            missing = [key for key in milestone.requires if key not in self._carry.achievements]
            if missing:
                raise ValueError(f"prerequisite not reached: {', '.join(missing)}")
        elif not reached:
            raise ValueError(f"milestone {change.milestone_key!r} is not reached; nothing to reset")

    @workflow.update(name="change_pause")
    async def change_pause(self, change: PauseChange) -> JourneySnapshot:
        """Hold or release the journey's messages to the customer (staff tasks still go)."""
        now = workflow.now()
        held_until = self._carry.paused_until
        if change.action == "resume":
            self._carry.paused_until = None
            self._runner.release(held_until, now)
        elif change.action == "snooze":
            self._carry.paused_until = change.until
        else:
            self._carry.paused_until = now + timedelta(days=PAUSE_FOR_GOOD_DAYS)
        self._carry.pauses.append(PauseRecord(**change.model_dump(), at=now))
        del self._carry.pauses[:-RECENT_REWARDS_KEPT]
        self._poked = True
        return self.state()

    @change_pause.validator
    def _validate_pause(self, change: PauseChange) -> None:
        paused = self._carry.paused_until is not None and self._carry.paused_until > workflow.now()
        if change.action == "resume" and not paused:
            raise ValueError("the journey is not paused")
        if change.action == "snooze" and (change.until is None or change.until <= workflow.now()):
            raise ValueError("snooze needs 'until' in the future")
        if change.action == "pause" and paused:
            raise ValueError("the journey is already paused; resume it first")

    @workflow.update(name="complete_task")
    async def complete_task(self, completion: TaskCompletion) -> JourneySnapshot:
        """CS staff closed a task the journey was waiting on; its SLA no longer runs."""
        await self._runner.complete_task(completion.task_key, completion.actor, completion.note)
        return self.state()

    @complete_task.validator
    def _validate_task_completion(self, completion: TaskCompletion) -> None:
        if not any(task.key == completion.task_key for task in self._carry.open_tasks):
            raise ValueError(f"no open task {completion.task_key!r} on this journey")

    @workflow.update(name="migrate_playbook")
    async def migrate_playbook(self, request: PlaybookMigration) -> JourneySnapshot:
        """Move to another version of the playbook; the main loop does it at a safe point
        (between events, never in the middle of a check-in), progress intact."""
        self._migration, self._migration_failure = request, None
        await workflow.wait_condition(lambda: self._migration is None)
        if self._migration_failure is not None:
            raise ApplicationError(self._migration_failure, type="MigrationFailed")
        return self.state()

    @migrate_playbook.validator
    def _validate_migration(self, request: PlaybookMigration) -> None:
        current = self._input.playbook
        if self._playbook is None:
            raise ValueError("the journey is still starting; try again in a moment")
        if self._migration is not None:
            raise ValueError(f"already moving to version {self._migration.to.version}")
        if request.to.name != current.name:
            raise ValueError(f"the journey runs playbook {current.name!r}, not {request.to.name!r}")
        if request.to.version == current.version:
            raise ValueError(f"the journey already runs version {current.version}")

    @workflow.query(name="state")
    def state(self) -> JourneySnapshot:
        playbook = self._playbook
        now = workflow.now()
        carry = self._carry
        points = self._points() if playbook else 0
        level, next_level = rewards.level_for(playbook.rewards if playbook else Rewards(), points)
        onboarding, categories = (
            journey.progress_summary(playbook, carry.achievements, carry.progress)
            if playbook
            else (0.0, {})
        )
        status, reason = (
            journey.journey_status(playbook, carry.achievements, self._input.signup_at, now)
            if playbook
            else (carry.status, "")
        )
        return JourneySnapshot(
            tenant_id=self._input.tenant_id,
            customer_id=self._input.customer_id,
            playbook=self._input.playbook,
            signup_at=self._input.signup_at,
            stage=carry.stage,
            milestones=(
                journey.milestone_statuses(
                    playbook, carry.achievements, self._input.signup_at, now, carry.progress
                )
                if playbook
                else []
            ),
            status=status,
            status_reason=reason,
            time_to_value_hours=(
                journey.time_to_value(playbook, carry.achievements, self._input.signup_at)
                if playbook
                else None
            ),
            onboarding_progress=onboarding,
            category_progress=categories,
            points=points,
            level=level.name,
            next_level=next_level.name if next_level else None,
            points_to_next_level=next_level.points - points if next_level else None,
            badges=dict(carry.badges),
            streak=carry.streak,
            rewards=list(carry.rewards),
            last_score=carry.last_score,
            next_wakeup_at=self._next_wakeup[0] if self._next_wakeup else None,
            next_wakeup_reason=self._next_wakeup[1] if self._next_wakeup else None,
            interventions=list(carry.interventions),
            events_processed=carry.events_processed,
            last_event_at=carry.last_event_at,
            risk_changes=list(carry.risk_changes),
            manual_changes=list(carry.manual_changes),
            migrations=list(carry.migrations),
            paused_until=carry.paused_until,
            pauses=list(carry.pauses),
            engagement=EngagementView(
                active=self._triggers_active,
                decisions=list(carry.engagement.decisions),
                queue=list(carry.engagement.queue),
                triggers=dict(carry.engagement.triggers),
                open_tasks=list(carry.open_tasks),
                waits=list(carry.engagement.waits),
            ),
        )

    @workflow.run
    async def run(self, input: JourneyInput) -> None:
        self._playbook = await _quick(activity_names.LOAD_PLAYBOOK, input.playbook, Playbook)
        self._engagement_patched = workflow.patched(ENGAGEMENT_PATCH)
        if input.carry is None:
            workflow.upsert_search_attributes([TENANT_ID.value_set(input.tenant_id)])
            if workflow.patched(JOURNEY_STATUS_PATCH):
                workflow.upsert_search_attributes(
                    [JOURNEY_STATUS.value_set(self._carry.status.value)]
                )
            self._publish_stage(self._carry.stage)
            await self._mirror_progress()
        while True:
            due, reason = journey.checkin_time(
                self._playbook, input.signup_at, self._carry.checkins_done
            )
            rescore_at = self._carry.rescore_due_at
            candidates = [(due, reason)]
            if rescore_at is not None:
                candidates.append((rescore_at, "re-score after a significant event"))
            engagement_due = self._runner.next_wakeup() if self._engagement_on else None
            if engagement_due is not None:
                candidates.append(engagement_due)
            self._next_wakeup = min(candidates)
            wait = max(self._next_wakeup[0] - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(
                    lambda: (
                        bool(self._carry.pending)
                        or self._migration is not None
                        or self._runner.has_occasions
                        or self._poked
                    ),
                    timeout=wait,
                )
            except TimeoutError:
                pass
            self._poked = False
            await self._process_pending()
            if workflow.now() >= due:
                await self._check_in()  # its score also answers a pending re-score
                self._carry.checkins_done += 1
                self._carry.rescore_due_at = None
            elif rescore_at is not None and workflow.now() >= rescore_at:
                self._carry.event_scores += 1
                occurrence = self._carry.event_scores
                await self._score(f"{self._workflow_id}/event-score/{occurrence}", source="event")
                self._carry.rescore_due_at = None
            if self._engagement_on:
                await self._runner.engage()
            if self._migration is not None:
                await self._migrate(self._migration)
            if self._time_to_continue_as_new():
                await self._finish_handlers()
                if self._engagement_on:
                    await self._runner.engage()  # what the last handlers noticed
                workflow.continue_as_new(self._input.model_copy(update={"carry": self._carry}))

    async def _finish_handlers(self) -> None:
        """Let updates finish before continue-as-new; a migration asked for meanwhile is done
        here, since its update waits for it."""
        while True:
            await workflow.wait_condition(
                lambda: workflow.all_handlers_finished() or self._migration is not None
            )
            if self._migration is None:
                return
            await self._process_pending()
            await self._migrate(self._migration)

    async def _migrate(self, request: PlaybookMigration) -> None:
        """Switch versions: keep what is reached, re-evaluate new milestones over past events."""
        current = self._input.playbook
        waiting = [event.event_id for event in self._carry.pending]
        try:
            plan = await _quick(
                activity_names.PLAN_MIGRATION,
                MigrationInput(
                    tenant_id=self._input.tenant_id,
                    customer_id=self._input.customer_id,
                    current=current,
                    target=request.to,
                    achievements=self._carry.achievements,
                    progress=self._carry.progress,
                    waiting_event_ids=waiting,
                ),
                MigrationPlan,
            )
            playbook = await _quick(activity_names.LOAD_PLAYBOOK, request.to, Playbook)
        except ActivityError as err:
            self._migration_failure = f"cannot move to version {request.to.version}: {err.cause}"
            self._migration = None
            return
        if any(event.event_id not in waiting for event in self._carry.pending):
            # Events came in while planning; the replay may have seen some of them. Count them
            # on the current version first, then plan again (the main loop calls back here).
            return
        self._playbook = playbook
        self._input = self._input.model_copy(update={"playbook": request.to})
        self._carry.progress = dict(plan.progress)
        for achievement in plan.newly_reached:
            await self._reach(achievement)
        self._carry.migrations.append(
            MigrationRecord(
                from_version=current.version,
                to_version=request.to.version,
                at=workflow.now(),
                actor=request.actor,
                reason=request.reason,
                newly_reached=[a.milestone_key for a in plan.newly_reached],
            )
        )
        self._award_badges()
        self._refresh_stage()
        self._refresh_status()
        await self._mirror_progress()
        self._migration = None

    @property
    def _engagement_on(self) -> bool:
        """Journeys started on this code run the engine (campaigns reach them even without
        triggers in their playbook)."""
        return self._engagement_patched and self._playbook is not None

    @property
    def _triggers_active(self) -> bool:
        playbook = self._playbook
        return (
            self._engagement_patched and playbook is not None and bool(playbook.engagement.triggers)
        )

    def _notice(self, occasion: Occasion) -> None:
        if self._triggers_active:
            self._runner.notice(occasion)

    def _milestone_reached(self, key: str) -> None:
        if self._triggers_active:
            self._runner.notice(Occasion(kind="state", change="milestone_achieved", milestone=key))
            self._runner.goal(milestone=key)

    def _time_to_continue_as_new(self) -> bool:
        return (
            workflow.info().is_continue_as_new_suggested()
            or self._events_this_run >= self._input.events_per_run
        )

    @property
    def _workflow_id(self) -> str:
        return workflow.info().workflow_id

    async def _process_pending(self) -> None:
        """Drain queued events: record new milestones, then refresh stage and progress once."""
        playbook = self._require_playbook()
        progressed = False
        while self._carry.pending:
            event = self._carry.pending.pop(0)
            self._carry.events_processed += 1
            self._events_this_run += 1
            last = self._carry.last_event_at
            if last is None or event.occurred_at > last:
                self._carry.last_event_at = event.occurred_at
            health = playbook.health
            if self._triggers_active:
                self._runner.notice(Occasion(kind="event", event=event))
                self._runner.goal(event=event.name)
            if event.name in health.rescore_after_events and self._carry.rescore_due_at is None:
                # Debounced: a burst of tickets or failed payments gives one re-score.
                debounce = timedelta(minutes=health.rescore_debounce_minutes)
                self._carry.rescore_due_at = workflow.now() + debounce
            reached = milestone_rules.advance(
                playbook, self._carry.achievements, self._carry.progress, event
            )
            for achievement in reached:
                await self._reach(achievement)
                progressed = True
            progressed = self._count_activity(event) or progressed
        progressed = self._award_badges() or progressed
        stage_moved = self._refresh_stage()
        status_moved = self._refresh_status()
        if stage_moved or status_moved or progressed:
            await self._mirror_progress()

    async def _reach(self, achievement: Achievement) -> None:
        self._carry.achievements[achievement.milestone_key] = achievement
        self._celebrate("milestone", achievement.milestone_key, achievement.points)
        self._milestone_reached(achievement.milestone_key)
        await _quick(activity_names.RECORD_MILESTONE, self._record(achievement), type(None))

    def _record(self, achievement: Achievement) -> MilestoneRecord:
        return MilestoneRecord(
            tenant_id=self._input.tenant_id,
            customer_id=self._input.customer_id,
            playbook_version=self._input.playbook.version,
            achievement=achievement,
            signup_at=self._input.signup_at,
        )

    def _count_activity(self, event: ProductEvent) -> bool:
        """Streaks count active days (or weeks) on the customer's own calendar."""
        if not is_product_event(event.name):
            return False
        rules = self._require_playbook().rewards
        period = rewards.local_period(event, rules.streaks.unit)
        lengths = rewards.extend_streak(self._carry.streak, period, rules)
        for length in lengths:
            points = rewards.bonus_points(rules, [length])
            self._carry.bonus_points += points
            self._celebrate("streak_bonus", f"{length}_{rules.streaks.unit}s", points)
        return bool(lengths)

    def _award_badges(self) -> bool:
        rules = self._require_playbook().rewards
        earned = rewards.earned_badges(
            rules, self._carry.achievements, self._carry.badges, self._input.signup_at
        )
        for badge in earned:
            self._carry.badges[badge.key] = workflow.now()
            self._carry.bonus_points += badge.points
            self._celebrate("badge", badge.key, badge.points)
        return bool(earned)

    def _points(self) -> int:
        return journey.total_points(self._carry.achievements) + self._carry.bonus_points

    def _celebrate(self, kind: str, key: str, points: int) -> None:
        """Record a reward, and a new level if the points crossed one."""
        rules = self._require_playbook().rewards
        before, _ = rewards.level_for(rules, self._points() - points)
        log = self._carry.rewards
        log.append(RewardEvent(at=workflow.now(), kind=kind, key=key, points=points))
        after, _ = rewards.level_for(rules, self._points())
        if after.name != before.name:
            log.append(RewardEvent(at=workflow.now(), kind="level", key=after.name))
        del log[:-RECENT_REWARDS_KEPT]

    def _refresh_status(self) -> bool:
        """On track / behind / stuck: published when it moves (journeys started before this
        existed keep replaying: the patch marker is absent from their history)."""
        status, _ = journey.journey_status(
            self._require_playbook(),
            self._carry.achievements,
            self._input.signup_at,
            workflow.now(),
        )
        if status == self._carry.status or not workflow.patched(JOURNEY_STATUS_PATCH):
            return False
        self._carry.status = status
        workflow.upsert_search_attributes([JOURNEY_STATUS.value_set(status.value)])
        return True

    def _refresh_stage(self) -> bool:
        """Recompute the stage; publish it to the search attributes if it moved."""
        playbook = self._require_playbook()
        stage = journey.compute_stage(
            playbook,
            self._carry.achievements,
            self._input.signup_at,
            self._carry.last_event_at,
            workflow.now(),
        )
        if stage == self._carry.stage:
            return False
        self._publish_stage(stage)
        self._notice(Occasion(kind="state", change="stage_changed", to=stage.value))
        return True

    def _publish_stage(self, stage: Stage) -> None:
        self._carry.stage = stage
        workflow.upsert_search_attributes([ONBOARDING_STAGE.value_set(stage.value)])

    async def _check_in(self) -> None:
        """Score health and publish it; without engagement triggers, also nudge every milestone
        that has become overdue (the triggers' `milestone_overdue` does that otherwise)."""
        playbook = self._require_playbook()
        occurrence = self._carry.checkins_done + 1
        await self._score(f"{self._workflow_id}/checkin/{occurrence}", source="check-in")
        if self._triggers_active:
            return
        overdue = journey.overdue_milestones(
            playbook, self._carry.achievements, self._input.signup_at, workflow.now()
        )
        for milestone in overdue:
            if milestone.key not in self._carry.nudged_milestones:
                await self._nudge(milestone)

    async def _score(self, key: str, *, source: str) -> None:
        """Score now, keep it, publish it; a move between risk levels is recorded as a change."""
        playbook = self._require_playbook()
        score = await _quick(
            activity_names.SCORE_HEALTH,
            ScoreRequest(
                tenant_id=self._input.tenant_id,
                customer_id=self._input.customer_id,
                playbook_name=playbook.name,
                playbook_version=self._input.playbook.version,
                as_of=workflow.now(),
                idempotency_key=key,
                stage=self._carry.stage.value,
            ),
            HealthScoreResult,
        )
        previous = self._carry.last_score
        if previous is not None:
            self._record_risk_change(previous.risk_level, score.risk_level, source)
        self._carry.last_score = score
        self._refresh_stage()
        self._refresh_status()
        workflow.upsert_search_attributes([RISK_LEVEL.value_set(score.risk_level.value)])
        if score.score is not None:
            workflow.upsert_search_attributes([HEALTH_SCORE.value_set(score.score)])
        await self._mirror_progress()

    def _record_risk_change(self, previous: RiskLevel, current: RiskLevel, source: str) -> None:
        if previous is current:
            return
        self._notice(Occasion(kind="state", change="risk_changed", to=current.value))
        self._carry.risk_changes.append(
            RiskTransition(at=workflow.now(), previous=previous, current=current, source=source)
        )
        del self._carry.risk_changes[:-RECENT_RISK_CHANGES_KEPT]

    async def _nudge(self, milestone: MilestoneDefinition) -> None:
        """One nudge per overdue milestone on email and in-app; a failure is recorded, not fatal."""
        self._carry.nudged_milestones.append(milestone.key)
        for channel, activity_name in (
            ("email", activity_names.SEND_NUDGE_EMAIL),
            ("inapp", activity_names.POST_INAPP_NUDGE),
        ):
            key = f"{self._workflow_id}/nudge/{milestone.key}/1/{channel}"
            request = NudgeRequest(
                tenant_id=self._input.tenant_id,
                customer_id=self._input.customer_id,
                playbook_name=self._input.playbook.name,
                playbook_version=self._input.playbook.version,
                milestone_key=milestone.key,
                idempotency_key=key,
            )
            try:
                result = await workflow.execute_activity(
                    activity_name,
                    request,
                    result_type=NudgeResult,
                    start_to_close_timeout=timedelta(seconds=60),
                    retry_policy=DELIVERY_RETRY,
                )
            except ActivityError as err:
                cause = err.cause
                result = NudgeResult(status="failed", detail=str(cause or err))
            self._remember_intervention(
                InterventionRecord(
                    kind="milestone_overdue_nudge",
                    channel=channel,
                    milestone_key=milestone.key,
                    idempotency_key=key,
                    status=result.status,
                    at=workflow.now(),
                    detail=result.detail,
                )
            )

    def _remember_intervention(self, record: InterventionRecord) -> None:
        self._carry.interventions.append(record)
        del self._carry.interventions[:-RECENT_INTERVENTIONS_KEPT]

    async def _mirror_progress(self) -> None:
        score = self._carry.last_score
        await _quick(
            activity_names.RECORD_PROGRESS,
            JourneyProgress(
                tenant_id=self._input.tenant_id,
                customer_id=self._input.customer_id,
                stage=self._carry.stage,
                points=self._points(),
                journey_status=self._carry.status.value,
                time_to_value_hours=journey.time_to_value(
                    self._require_playbook(), self._carry.achievements, self._input.signup_at
                ),
                health_score=score.score if score else None,
                risk_level=score.risk_level.value if score else RiskLevel.UNKNOWN.value,
                level=rewards.level_for(self._require_playbook().rewards, self._points())[0].name,
                streak_current=self._carry.streak.current,
                streak_longest=self._carry.streak.longest,
                badges=dict(self._carry.badges),
                playbook=self._input.playbook,
            ),
            type(None),
        )

    def _require_playbook(self) -> Playbook:
        if self._playbook is None:
            raise RuntimeError("playbook not loaded yet")
        return self._playbook


async def _quick(name: str, arg: object, result_type: type[T]) -> T:
    """Short bookkeeping activities: retried until they succeed (they are idempotent)."""
    result: T = await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=QUICK_RETRY,
    )
    return result
