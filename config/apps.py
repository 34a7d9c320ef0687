from __future__ import annotations

from django.apps import AppConfig


class StudioConfig(AppConfig):
    """The project package as an app, for its system checks (config/checks.py)."""

    name = "config"
    label = "studio_config"
    verbose_name = "Sora Studio"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the start-up checks
