from __future__ import annotations

from django.apps import AppConfig


class StoryboardsConfig(AppConfig):
    name = "storyboards"
    verbose_name = "Storyboards and final cuts"
