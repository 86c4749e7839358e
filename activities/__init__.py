"""Side effects and heavy computation; each activity is idempotent by its key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from activities.campaigns import CampaignActivities
from activities.delivery import DeliveryActivities
from activities.engagement_records import EngagementRecordActivities
from activities.health import HealthActivities
from activities.journey_records import JourneyRecordActivities
from activities.nudges import NudgeActivities
from activities.playbook_migration import PlaybookMigrationActivities
from activities.portfolio import PortfolioActivities
from core.config import Settings


def journey_activities(engine: Engine, settings: Settings) -> list[Callable[..., Any]]:
    """Every activity the workflows call, bound to one engine and settings."""
    records = JourneyRecordActivities(engine)
    health = HealthActivities(engine)
    nudges = NudgeActivities(engine, settings)
    portfolio = PortfolioActivities(engine)
    migration = PlaybookMigrationActivities(engine)
    delivery = DeliveryActivities(engine, settings)
    engagement = EngagementRecordActivities(engine)
    campaigns = CampaignActivities(engine)
    return [
        records.load_playbook,
        records.record_milestone,
        records.reset_milestone,
        records.record_progress,
        health.score_health,
        nudges.send_nudge_email,
        nudges.post_inapp_nudge,
        portfolio.list_tenants,
        portfolio.score_portfolio,
        portfolio.fit_churn_model,
        migration.plan_migration,
        delivery.load_customer_context,
        delivery.deliver_message,
        engagement.record_exposure,
        engagement.record_task_outcome,
        campaigns.list_audience,
    ]
