"""The app served on a real port (shared with the dashboard tests)."""

from tests.dashboard.conftest import served

__all__ = ["served"]
