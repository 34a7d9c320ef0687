from __future__ import annotations

from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "videos.sora.simulator"
    label = "simulator"
    verbose_name = "Simulator of the /v1/videos contract"
