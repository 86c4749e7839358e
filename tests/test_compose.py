"""The production compose file, checked without a Docker engine: it must agree with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Settings
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES, CLI_TYPE_NAMES

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SETTINGS_ENV = {name.upper() for name in Settings.model_fields}


def env_of(service: str) -> dict[str, str]:
    environment = SERVICES[service].get("environment", {})
    assert isinstance(environment, dict), f"{service}: use the mapping form for environment"
    return environment


@pytest.mark.parametrize("service", ["api", "worker"])
def test_app_services_set_only_variables_the_settings_read(service: str) -> None:
    unknown = set(env_of(service)) - SETTINGS_ENV
    assert not unknown, f"{service} sets variables Settings ignores: {sorted(unknown)}"
    for required in ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TASK_QUEUE"):
        assert required in env_of(service)
    assert env_of(service)["DATABASE_URL"].startswith("postgresql://")
    assert env_of(service)["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_every_service_the_product_needs_is_there() -> None:
    images = {name: str(service.get("image", "")) for name, service in SERVICES.items()}
    assert images["postgres"].startswith("postgres:")
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert "temporal-sql-tool" in str(SERVICES["temporal-schema"]["command"])
    assert images["temporal-search-attributes"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert SERVICES["api"]["command"] == ["onboard", "api"]
    assert SERVICES["worker"]["command"] == ["onboard", "worker"]
    assert SERVICES["api"]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()


def test_images_are_pinned() -> None:
    for name, service in SERVICES.items():
        image = str(service["image"])
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        assert re.match(r"^\d+(\.\d+)+", tag), f"{name}: image {image!r} is not pinned"


def test_health_checks_and_start_order() -> None:
    for name in ("postgres", "temporal", "api"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    assert SERVICES["api"]["depends_on"]["temporal-search-attributes"]["condition"] == (
        "service_completed_successfully"
    )


def test_registered_search_attributes_match_the_workflow() -> None:
    command = str(SERVICES["temporal-search-attributes"]["command"])
    registered = dict(re.findall(r"(\w+)=(Keyword|Double|Int|Bool|Text|Datetime)", command))
    expected = {key.name: CLI_TYPE_NAMES[key] for key in ALL_SEARCH_ATTRIBUTES}
    assert registered == expected
