"""Bodies and answers of the playbook administration API (milestone edits, versions, migration)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from models.customer import CUSTOMER_ID_PATTERN
from models.playbook import MilestoneDefinition

MAX_MIGRATION_BATCH = 1000
CustomerId = Annotated[str, Field(min_length=1, max_length=128, pattern=CUSTOMER_ID_PATTERN)]


class MilestoneDefinitions(BaseModel):
    """The tenant's current milestone definitions and the playbook version they belong to."""

    playbook: str
    version: str = Field(description="Send it back as `If-Match` to refuse a concurrent edit.")
    milestones: list[MilestoneDefinition]


class PlaybookVersionPublic(BaseModel):
    version: str
    change: str = Field(description="What the edit did, or where the version came from.")
    created_at: datetime | None
    current: bool
    customers: int = Field(description="Customers whose journey runs this version.")


class PlaybookPublic(BaseModel):
    name: str
    current_version: str
    versions: list[PlaybookVersionPublic] = Field(description="Oldest first.")
    customers_by_version: dict[str, int]


class MigrationRequest(BaseModel):
    """Move running journeys to a version of their playbook (by default the tenant's current)."""

    to_version: str | None = Field(default=None, min_length=1, max_length=32)
    customer_ids: list[CustomerId] | None = Field(
        default=None,
        max_length=MAX_MIGRATION_BATCH,
        description="Only these customers; by default every customer on another version.",
    )
    dry_run: bool = Field(
        default=True, description="List what would change for each customer; change nothing."
    )
    actor: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=1000)
    limit: int = Field(
        default=500,
        ge=1,
        le=MAX_MIGRATION_BATCH,
        description="Customers per call; `remaining` says how many are left for the next call.",
    )


MigrationOutcome = Literal["would_migrate", "migrated", "failed"]


class CustomerMigration(BaseModel):
    customer_id: str
    from_version: str
    outcome: MigrationOutcome
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    newly_reached: list[str] = Field(
        default_factory=list, description="Reached at once from the customer's past events."
    )
    detail: str | None = Field(default=None, description="Why it failed.")


class MigrationReport(BaseModel):
    playbook: str
    to_version: str
    dry_run: bool
    customers: list[CustomerMigration]
    migrated: int
    failed: int
    remaining: int = Field(description="Customers still on another version after this call.")
