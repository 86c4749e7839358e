"""Overdue-milestone nudges on email and in-app, each exactly once per delivery key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery_rows import claim_delivery, find_delivery, finish_delivery
from activities.email_delivery import OutgoingEmail, send_email
from activities.rendering import render_template
from core.config import Settings
from core.customers import find_customer
from core.db import insert_or_ignore, session_scope
from core.playbooks import read_playbook_version
from models.achievement import MilestoneAchievement
from models.customer import Customer
from models.delivery import Delivery, DeliveryStatus, InAppMessage
from models.journey import NudgeRequest, NudgeResult
from models.timeutil import utc_now
from workflows import activity_names


@dataclass(frozen=True)
class NudgeContext:
    customer: Customer
    template: str
    variables: dict[str, Any]


class NudgeActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    @activity.defn(name=activity_names.SEND_NUDGE_EMAIL)
    def send_nudge_email(self, request: NudgeRequest) -> NudgeResult:
        """Claim the delivery key, send, mark sent: a retry after success sends nothing."""
        with session_scope(self._engine) as session:
            earlier = find_delivery(session, request.idempotency_key)
            if earlier is not None and earlier.status != DeliveryStatus.SENDING:
                return _result_of(earlier)
            context = self._context(session, request, "email")
            recipient = context.customer.email
            subject = self._render(context, "subject.j2")
            _claim_delivery(
                session,
                request,
                context,
                channel="email",
                recipient=recipient,
                subject=subject,
                status=DeliveryStatus.SENDING if recipient else DeliveryStatus.SKIPPED,
                error=None if recipient else "customer has no email address",
            )
        if not recipient:
            return NudgeResult(
                status=DeliveryStatus.SKIPPED, detail="customer has no email address"
            )
        mail = OutgoingEmail(
            sender=self._settings.smtp_sender,
            recipient=recipient,
            subject=subject,
            text=self._render(context, "txt.j2"),
            html=self._render(context, "html.j2"),
            idempotency_key=request.idempotency_key,
        )
        try:
            message_id = send_email(
                mail,
                host=self._settings.smtp_host,
                port=self._settings.smtp_port,
                timeout=self._settings.smtp_timeout_seconds,
            )
        except ApplicationError as exc:
            finish_delivery(
                self._engine, request.idempotency_key, DeliveryStatus.FAILED, error=str(exc)
            )
            raise
        finish_delivery(
            self._engine, request.idempotency_key, DeliveryStatus.SENT, message_id=message_id
        )
        return NudgeResult(status=DeliveryStatus.SENT, detail=f"to {recipient}")

    @activity.defn(name=activity_names.POST_INAPP_NUDGE)
    def post_inapp_nudge(self, request: NudgeRequest) -> NudgeResult:
        """Store the message for the product to fetch; the key makes a retry a no-op."""
        with session_scope(self._engine) as session:
            context = self._context(session, request, "inapp")
            title = self._render(context, "title.j2")
            created = insert_or_ignore(
                session,
                InAppMessage,
                [
                    {
                        "tenant_id": request.tenant_id,
                        "customer_id": request.customer_id,
                        "idempotency_key": request.idempotency_key,
                        "title": title,
                        "body": self._render(context, "body.j2"),
                        "created_at": utc_now(),
                    }
                ],
                ["idempotency_key"],
            )
            _claim_delivery(
                session,
                request,
                context,
                channel="inapp",
                subject=title,
                status=DeliveryStatus.SENT,
                sent_at=utc_now(),
            )
        return NudgeResult(status=DeliveryStatus.SENT if created else "already_sent")

    def _context(self, session: Session, request: NudgeRequest, channel: str) -> NudgeContext:
        playbook = read_playbook_version(session, request.playbook_name, request.playbook_version)
        milestone = playbook.milestone(request.milestone_key) if playbook else None
        if playbook is None or milestone is None:
            raise ApplicationError(
                f"milestone {request.milestone_key!r} not in playbook "
                f"{request.playbook_name}@{request.playbook_version}",
                non_retryable=True,
            )
        customer = find_customer(session, request.tenant_id, request.customer_id)
        if customer is None:
            raise ApplicationError(f"unknown customer {request.customer_id!r}", non_retryable=True)
        achieved = session.exec(
            select(MilestoneAchievement).where(
                MilestoneAchievement.tenant_id == request.tenant_id,
                MilestoneAchievement.customer_id == request.customer_id,
            )
        ).all()
        template = (
            playbook.nudges.email_template if channel == "email" else playbook.nudges.inapp_template
        )
        return NudgeContext(
            customer=customer,
            template=f"{channel}/{template}",
            variables={
                "customer_name": customer.name or customer.customer_id,
                "milestone": milestone,
                "done_count": len(achieved),
                "total_count": len(playbook.milestones),
                "points": sum(a.points for a in achieved),
            },
        )

    def _render(self, context: NudgeContext, part: str) -> str:
        return render_template(
            template_dir=self._settings.template_dir,
            template_name=f"{context.template}.{part}",
            context=context.variables,
        )


def _claim_delivery(
    session: Session,
    request: NudgeRequest,
    context: NudgeContext,
    *,
    channel: str,
    status: DeliveryStatus,
    **fields: Any,
) -> None:
    claim_delivery(
        session,
        {
            "tenant_id": request.tenant_id,
            "customer_id": request.customer_id,
            "idempotency_key": request.idempotency_key,
            "channel": channel,
            "template": context.template,
            "status": status,
            **fields,
        },
    )


def _result_of(delivery: Delivery) -> NudgeResult:
    if delivery.status == DeliveryStatus.SENT:
        return NudgeResult(status="already_sent", detail=f"to {delivery.recipient}")
    return NudgeResult(status=delivery.status, detail=delivery.error or "")
