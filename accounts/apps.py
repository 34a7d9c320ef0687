from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and projects"

    def ready(self) -> None:
        from accounts import checks, signals  # noqa: F401 - signals connects the receivers

        checks.warn_at_start()
