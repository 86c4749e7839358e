"""Delivering one trigger message on its channel, exactly once in effect.

The delivery row (unique per key) is claimed before anything leaves; a retry finds it and
returns what happened the first time. Preferences and suppressions are checked first, and
every outcome, including "not sent and why", is stored on the row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.channels.outbound_http import post_slack, post_webhook
from activities.delivery_rows import claim_delivery, find_delivery, finish_delivery
from activities.email_delivery import OutgoingEmail, send_email
from activities.rendering import render_template
from core.config import Settings
from core.customers import find_customer
from core.db import insert_or_ignore, session_scope
from core.preferences import is_unsubscribed, unsubscribe_url
from models.customer import Customer
from models.delivery import Delivery, DeliveryStatus, InAppMessage, Suppression
from models.engagement import CustomerContext, DeliveryRequest, DeliveryResult
from models.task import CsTask
from models.tenant import Tenant
from models.timeutil import utc_now
from workflows import activity_names


class DeliveryActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    @activity.defn(name=activity_names.LOAD_CUSTOMER_CONTEXT)
    def load_customer_context(self, ids: list[str]) -> CustomerContext:
        """The customer's current attributes (tenant id, customer id)."""
        tenant_id, customer_id = ids
        with session_scope(self._engine) as session:
            customer = find_customer(session, tenant_id, customer_id)
            if customer is None:
                return CustomerContext(customer_id=customer_id)
            return CustomerContext.model_validate(customer, from_attributes=True)

    @activity.defn(name=activity_names.DELIVER_MESSAGE)
    def deliver_message(self, request: DeliveryRequest) -> DeliveryResult:
        channel = request.action.channel
        with session_scope(self._engine) as session:
            earlier = find_delivery(session, request.idempotency_key)
            if earlier is not None and earlier.status != DeliveryStatus.SENDING:
                return _result_of(earlier)
            tenant = session.get(Tenant, request.tenant_id)
            customer = find_customer(session, request.tenant_id, request.customer_id)
            if tenant is None or customer is None:
                raise ApplicationError("unknown tenant or customer", non_retryable=True)
            refusal = self._refusal(session, request, customer, tenant)
            if refusal is not None:
                status, reason = refusal
                _claim(session, request, status=status, error=reason)
                return DeliveryResult(status=status.value, detail=reason)
            variables = self._variables(request, customer)
            if channel == "inapp":
                return self._post_inapp(session, request, variables)
            if channel == "task":
                return self._create_task(session, request, customer, tenant, variables)
            recipient = self._recipient(channel, customer, tenant)
            _claim(session, request, status=DeliveryStatus.SENDING, recipient=recipient)
            sender = tenant.email_sender or self._settings.smtp_sender
            secret = tenant.webhook_secret
        try:
            detail = self._send_out(request, variables, recipient, sender, secret)
        except ApplicationError as err:
            finish_delivery(
                self._engine, request.idempotency_key, DeliveryStatus.FAILED, error=str(err)
            )
            if channel == "email" and err.type == "PermanentDeliveryFailure":
                self._suppress(request.tenant_id, recipient, str(err))
            raise
        finish_delivery(
            self._engine, request.idempotency_key, DeliveryStatus.SENT, message_id=detail
        )
        return DeliveryResult(status="sent", detail=f"to {recipient}")

    def _refusal(
        self, session: Session, request: DeliveryRequest, customer: Customer, tenant: Tenant
    ) -> tuple[DeliveryStatus, str] | None:
        channel = request.action.channel
        if channel == "task":
            return None  # for staff, not for the customer
        if is_unsubscribed(
            session, request.tenant_id, request.customer_id, channel, request.category
        ):
            return DeliveryStatus.SUPPRESSED, f"unsubscribed from {channel} / {request.category}"
        if channel == "email":
            if not customer.email:
                return DeliveryStatus.SKIPPED, "customer has no email address"
            suppressed = session.exec(
                select(Suppression).where(
                    Suppression.tenant_id == request.tenant_id,
                    Suppression.address == customer.email.lower(),
                )
            ).first()
            if suppressed is not None:
                return DeliveryStatus.SUPPRESSED, f"address suppressed: {suppressed.reason}"
        if channel == "slack" and not tenant.slack_webhook_url:
            return DeliveryStatus.SKIPPED, "tenant has no Slack webhook URL"
        if channel == "webhook" and not tenant.webhook_url:
            return DeliveryStatus.SKIPPED, "tenant has no webhook URL"
        return None

    def _variables(self, request: DeliveryRequest, customer: Customer) -> dict[str, Any]:
        link = unsubscribe_url(
            self._settings,
            request.tenant_id,
            request.customer_id,
            request.action.channel,
            request.category,
        )
        return {
            **request.variables,
            "customer": CustomerContext.model_validate(customer, from_attributes=True),
            "customer_name": customer.name or customer.customer_id,
            "trigger": {"key": request.trigger},
            "unsubscribe_url": link,
        }

    def _render(self, request: DeliveryRequest, part: str, variables: dict[str, Any]) -> str:
        action = request.action
        return render_template(
            template_dir=self._settings.template_dir,
            template_name=f"{action.channel}/{action.template}.{part}.j2",
            context=variables,
        )

    @staticmethod
    def _recipient(channel: str, customer: Customer, tenant: Tenant) -> str:
        if channel == "email":
            return customer.email or ""
        if channel == "slack":
            return tenant.slack_webhook_url or ""
        return tenant.webhook_url or ""

    def _send_out(
        self,
        request: DeliveryRequest,
        variables: dict[str, Any],
        recipient: str,
        sender: str,
        secret: str | None,
    ) -> str | None:
        channel = request.action.channel
        timeout = self._settings.http_timeout_seconds
        private = self._settings.allow_private_webhooks
        if channel == "email":
            mail = OutgoingEmail(
                sender=sender,
                recipient=recipient,
                subject=self._render(request, "subject", variables),
                text=self._render(request, "txt", variables),
                html=self._render(request, "html", variables),
                idempotency_key=request.idempotency_key,
                unsubscribe_url=variables["unsubscribe_url"],
            )
            return send_email(
                mail,
                host=self._settings.smtp_host,
                port=self._settings.smtp_port,
                timeout=self._settings.smtp_timeout_seconds,
            )
        if channel == "slack":
            text = self._render(request, "text", variables)
            post_slack(recipient, text, timeout=timeout, private=private)
            return None
        payload = {
            "delivery": request.idempotency_key,
            "trigger": request.trigger,
            "customer_id": request.customer_id,
            "summary": self._render(request, "summary", variables),
            "variant": request.variant,
        }
        key = request.idempotency_key
        post_webhook(recipient, secret, key, payload, timeout=timeout, private=private)
        return None

    def _post_inapp(
        self, session: Session, request: DeliveryRequest, variables: dict[str, Any]
    ) -> DeliveryResult:
        """Stored in the same transaction as its delivery row: exactly once by construction."""
        title = self._render(request, "title", variables)
        insert_or_ignore(
            session,
            InAppMessage,
            [
                {
                    "tenant_id": request.tenant_id,
                    "customer_id": request.customer_id,
                    "idempotency_key": request.idempotency_key,
                    "title": title,
                    "body": self._render(request, "body", variables),
                    "created_at": utc_now(),
                }
            ],
            ["idempotency_key"],
        )
        _claim(session, request, status=DeliveryStatus.SENT, subject=title, sent_at=utc_now())
        return DeliveryResult(status="sent", detail="in the customer's inbox")

    def _create_task(
        self,
        session: Session,
        request: DeliveryRequest,
        customer: Customer,
        tenant: Tenant,
        variables: dict[str, Any],
    ) -> DeliveryResult:
        owner = customer.csm_owner or tenant.fallback_owner
        title = self._render(request, "title", variables)
        hours = request.action.due_hours or 24
        insert_or_ignore(
            session,
            CsTask,
            [
                {
                    "tenant_id": request.tenant_id,
                    "customer_id": request.customer_id,
                    "idempotency_key": request.idempotency_key,
                    "trigger_key": request.trigger,
                    "title": title,
                    "body": self._render(request, "body", variables),
                    "owner": owner,
                    "due_at": utc_now() + timedelta(hours=hours),
                    "status": "open",
                    "created_at": utc_now(),
                }
            ],
            ["idempotency_key"],
        )
        _claim(
            session,
            request,
            status=DeliveryStatus.SENT,
            recipient=owner,
            subject=title,
            sent_at=utc_now(),
        )
        return DeliveryResult(status="sent", detail=f"task for {owner or 'nobody'}")

    def _suppress(self, tenant_id: str, address: str, reason: str) -> None:
        with session_scope(self._engine) as session:
            insert_or_ignore(
                session,
                Suppression,
                [
                    {
                        "tenant_id": tenant_id,
                        "address": address.lower(),
                        "reason": reason[:1000],
                        "created_at": utc_now(),
                    }
                ],
                ["tenant_id", "address"],
            )


def _claim(
    session: Session, request: DeliveryRequest, *, status: DeliveryStatus, **fields: Any
) -> None:
    claim_delivery(
        session,
        {
            "tenant_id": request.tenant_id,
            "customer_id": request.customer_id,
            "idempotency_key": request.idempotency_key,
            "channel": request.action.channel,
            "template": request.action.template,
            "trigger_key": request.trigger,
            "variant": request.variant,
            "status": status,
            **fields,
        },
    )


def _result_of(delivery: Delivery) -> DeliveryResult:
    if delivery.status == DeliveryStatus.SENT:
        return DeliveryResult(status="already_sent", detail=delivery.recipient or "")
    return DeliveryResult(status=delivery.status, detail=delivery.error or "")
