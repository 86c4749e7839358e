"""Template preview: render a message for one customer exactly as the journey would send it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from jinja2 import TemplateError, TemplateNotFound
from pydantic import BaseModel, Field

from activities.rendering import render_template
from api.deps import PlaybookDep, Read, SessionDep, SettingsDep, TemporalDep, TenantDep
from api.journeys import journey_state
from api.routes.customers import existing_customer
from core.preferences import unsubscribe_url
from core.template_check import PARTS
from models.engagement import CustomerContext
from models.journey import Stage
from models.triggers import Channel
from workflows.message_variables import journey_variables, milestone_variables

router = APIRouter(prefix="/v1/templates", tags=["templates"], dependencies=[Read])


class PreviewRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=128)
    channel: Channel
    template: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    milestone: str | None = Field(
        default=None, max_length=64, description="For milestone templates: which milestone."
    )
    trigger: str = Field(default="preview", max_length=64)
    category: str = Field(default="onboarding", pattern=r"^[a-z][a-z0-9_]*$", max_length=64)


class Preview(BaseModel):
    channel: Channel
    template: str
    parts: dict[str, str] = Field(description="Each part of the message, rendered.")
    journey_running: bool


@router.post("/preview")
async def preview(
    body: PreviewRequest,
    session: SessionDep,
    tenant: TenantDep,
    playbook: PlaybookDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> Preview:
    """Render every part of `templates/<channel>/<template>` with the customer's attributes
    and live journey state; 404 for a missing template, 422 for one that fails to render."""
    customer = existing_customer(session, tenant, body.customer_id)
    snapshot, _ = await journey_state(temporal, tenant, body.customer_id)
    achieved = [m.key for m in snapshot.milestones if m.state == "done"] if snapshot else []
    variables: dict[str, Any] = {
        "customer": CustomerContext.model_validate(customer, from_attributes=True),
        "customer_name": customer.name or customer.customer_id,
        "trigger": {"key": body.trigger},
        "unsubscribe_url": unsubscribe_url(
            settings, tenant, body.customer_id, body.channel, body.category
        ),
        "journey": journey_variables(
            playbook,
            achieved,
            snapshot.points if snapshot else 0,
            (snapshot.stage if snapshot else Stage.SIGNED_UP).value,
            snapshot.last_score if snapshot else None,
        ),
    }
    if body.milestone is not None:
        milestone = playbook.milestone(body.milestone)
        if milestone is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown milestone {body.milestone!r}"
            )
        variables["milestone"] = milestone_variables(milestone)
    parts = {}
    for part in PARTS[body.channel]:
        name = f"{body.channel}/{body.template}.{part}.j2"
        try:
            parts[part] = render_template(
                template_dir=settings.template_dir, template_name=name, context=variables
            )
        except TemplateNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no template {name}") from None
        except TemplateError as err:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} does not render: {err}"
            ) from None
    return Preview(
        channel=body.channel, template=body.template, parts=parts, journey_running=bool(snapshot)
    )
