"""Imports every table so `SQLModel.metadata` is complete (Alembic and tests read it)."""

from sqlmodel import SQLModel

from models.achievement import BadgeAward, MilestoneAchievement
from models.api_key import ApiKey
from models.audit import AuditEntry
from models.campaign import Campaign
from models.churn import ChurnModel
from models.cohort import CohortReference
from models.customer import Customer
from models.delivery import Delivery, InAppMessage, Suppression
from models.event import Event
from models.experiment import ExperimentExposure
from models.override import HealthOverride
from models.playbook_version import PlaybookVersion, TenantPlaybook
from models.preference import Preference
from models.score import HealthScoreRecord
from models.staff import StaffAccount, StaffSession
from models.task import CsTask
from models.tenant import Tenant

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "BadgeAward",
    "Campaign",
    "ChurnModel",
    "CohortReference",
    "Customer",
    "CsTask",
    "Delivery",
    "ExperimentExposure",
    "Event",
    "HealthOverride",
    "HealthScoreRecord",
    "InAppMessage",
    "MilestoneAchievement",
    "PlaybookVersion",
    "Preference",
    "StaffAccount",
    "StaffSession",
    "Suppression",
    "Tenant",
    "TenantPlaybook",
    "metadata",
]
