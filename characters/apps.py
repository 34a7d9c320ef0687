from __future__ import annotations

from django.apps import AppConfig


class CharactersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "characters"
    verbose_name = "Characters (the project cast)"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from characters.models import Character
        from characters.services import character_files_drop

        # However a character goes (its service, or its project deleted in the admin), its clip and thumbnail go too.
        post_delete.connect(character_files_drop, sender=Character, dispatch_uid="characters.files")
