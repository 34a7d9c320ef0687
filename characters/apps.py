from __future__ import annotations

from django.apps import AppConfig


class CharactersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "characters"
    verbose_name = "Characters (the project cast)"
