from __future__ import annotations

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from providers import environment

        # The environment's providers (the simulator; OPENAI_BASE_URL/OPENAI_API_KEY) exist after every migrate,
        # so a deployment is set up without clicking.
        post_migrate.connect(environment.sync_after_migrate, sender=self)
