"""One place for configuration: every knob comes from the environment (or `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path(".onboard"),
        description="Where `onboard dev` keeps its SQLite files and the local mail sink.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to SQLite in DATA_DIR."
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "onboard"
    temporal_ui_port: int = 8233

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Onboard <success@onboard.localhost>"
    smtp_timeout_seconds: float = 10.0

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where customers reach the API (unsubscribe links in emails).",
    )
    signing_secret: SecretStr | None = Field(
        default=None,
        description="Signs unsubscribe links; unset: a random one kept in DATA_DIR.",
    )
    http_timeout_seconds: float = 10.0
    ingest_rate_per_second: float = Field(
        default=50.0, gt=0, description="Requests per second per API key on the ingest routes."
    )
    ingest_burst: int = Field(default=500, ge=1, description="Requests a key may send at once.")
    dashboard_rate_per_second: float = Field(
        default=20.0, gt=0, description="Dashboard requests per second per signed-in account."
    )
    dashboard_burst: int = Field(default=200, ge=1)
    login_attempts_per_minute: int = Field(
        default=10, ge=1, description="Dashboard sign-in attempts per client address."
    )
    allow_private_webhooks: bool = Field(
        default=False,
        description="Let Slack/webhook URLs point at private or loopback addresses (SSRF guard).",
    )
    dashboard_refresh_seconds: int = Field(
        default=30, ge=0, description="How often dashboard pages refresh themselves; 0: never."
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    default_tenant: str = "default"

    playbook_dir: Path = PROJECT_ROOT / "playbooks"
    template_dir: Path = PROJECT_ROOT / "templates"
    default_playbook: str = "default"
    portfolio_cron: str = Field(
        default="0 2 * * *", description="When the nightly portfolio scoring runs (UTC cron)."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL if set, else a SQLite file in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'onboard.db').resolve()}"

    @property
    def temporal_ui_url(self) -> str:
        host = self.temporal_address.rsplit(":", 1)[0]
        return f"http://{host}:{self.temporal_ui_port}"


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them to the psycopg 3 driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
