from __future__ import annotations

from django.apps import AppConfig


class StoryboardsConfig(AppConfig):
    name = "storyboards"
    verbose_name = "Storyboards and final cuts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from storyboards.models import FinalCut
        from storyboards.services import cut_files_drop

        # However a cut goes (its storyboard deleted, its project deleted in the admin, the admin), its files go too.
        post_delete.connect(cut_files_drop, sender=FinalCut, dispatch_uid="storyboards.cut-files")
