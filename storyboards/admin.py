from __future__ import annotations

from django.contrib import admin

from storyboards.models import FinalCut, Shot, Storyboard, Take


class ShotInline(admin.TabularInline):
    model = Shot
    fields = ("position", "prompt", "model", "seconds")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Storyboard)
class StoryboardAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "size", "created_by", "updated_at")
    list_select_related = ("project", "created_by")
    search_fields = ("title", "project__name")
    readonly_fields = ("public_id", "project", "size", "created_by", "created_at", "updated_at")
    inlines = [ShotInline]


@admin.register(Take)
class TakeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "shot", "video", "is_chosen", "created_at")
    list_select_related = ("shot", "video")
    readonly_fields = ("public_id", "shot", "number", "video", "parent", "is_chosen", "created_by", "created_at")


@admin.register(FinalCut)
class FinalCutAdmin(admin.ModelAdmin):
    """Read-only: cuts are made by the task (a failed one says why in its error message)."""

    list_display = ("__str__", "storyboard", "status", "progress", "duration_seconds", "created_at")
    list_filter = ("status",)
    list_select_related = ("storyboard",)
    readonly_fields = [f.name for f in FinalCut._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
