"""Typed search attributes; `onboard dev` and compose register exactly these on the server."""

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

TENANT_ID = SearchAttributeKey.for_keyword("TenantId")
ONBOARDING_STAGE = SearchAttributeKey.for_keyword("OnboardingStage")
HEALTH_SCORE = SearchAttributeKey.for_float("HealthScore")
RISK_LEVEL = SearchAttributeKey.for_keyword("RiskLevel")
JOURNEY_STATUS = SearchAttributeKey.for_keyword("JourneyStatus")

ALL_SEARCH_ATTRIBUTES = (TENANT_ID, ONBOARDING_STAGE, HEALTH_SCORE, RISK_LEVEL, JOURNEY_STATUS)

# Names of the types as the `temporal` CLI spells them (`--search-attribute NAME=TYPE`).
CLI_TYPE_NAMES = {
    TENANT_ID: "Keyword",
    ONBOARDING_STAGE: "Keyword",
    HEALTH_SCORE: "Double",
    RISK_LEVEL: "Keyword",
    JOURNEY_STATUS: "Keyword",
}


def cli_search_attribute_args() -> list[str]:
    """`--search-attribute` flags for `temporal server start-dev`."""
    args: list[str] = []
    for key in ALL_SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={CLI_TYPE_NAMES[key]}"]
    return args


def start_search_attributes(tenant_id: str) -> TypedSearchAttributes:
    """What a journey starts with, so ops can filter by tenant from the first second."""
    return TypedSearchAttributes([SearchAttributePair(TENANT_ID, tenant_id)])
