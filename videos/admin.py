"""The operators' console for videos: thumbnails, status, filters, and actions that call the same services as the
pages (retry, refresh, delete here and upstream, archive now); nothing here writes a video's state directly.
Quotas have their own console (quotas/admin.py), providers theirs (providers/admin.py).
"""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.actors import Actor
from accounts.models import Project
from config.admin_base import ReadOnlyAdmin
from providers.models import Provider, ProviderModel
from videos import search, services, tasks
from videos.lifecycle import upstream_key
from videos.models import Lease, Video, WebhookEvent

Status = Video.Status


# ---------------------------------------------------------------------------------------------------------------
# A changelist that stays fast at any number of videos
# ---------------------------------------------------------------------------------------------------------------
SEARCH_MAX = 10_000


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to EXACT rows (a bounded count), past that the table's size as the database estimates it
    for an unfiltered list, and EXACT for a filtered one: page links stay, and no page counts 100,000 rows."""

    EXACT = 10_000

    @cached_property
    def count(self) -> int:
        filtered = bool(self.object_list.query.where)
        # Asked whatever the answer, so the page's queries are the same at any size.
        estimate = 0 if filtered else table_estimate(self.object_list.model)
        bounded = self.object_list.order_by()[: self.EXACT + 1].count()
        if bounded <= self.EXACT:
            return bounded
        return self.EXACT if filtered else max(estimate, bounded)


def table_estimate(model) -> int:
    """About how many rows the table has, in one cheap query: PostgreSQL's statistics, else the largest id."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        else:
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')
        row = cursor.fetchone()
    return max(int(row[0] or 0), 0) if row else 0


class RegistryFilter(admin.SimpleListFilter):
    """A filter whose choices come from the provider registry (a few rows), not from a DISTINCT over the videos."""

    field = ""

    def values(self) -> list:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(str(v), str(v)) for v in self.values()]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ModelFilter(RegistryFilter):
    title, parameter_name, field = "model", "model", "model"

    def values(self):
        return sorted(set(ProviderModel.objects.values_list("name", flat=True)))


class SizeFilter(RegistryFilter):
    title, parameter_name, field = "size", "size", "size"

    def values(self):
        return sorted({size for prices in ProviderModel.objects.values_list("prices", flat=True) for size in prices or {}})


class SecondsFilter(RegistryFilter):
    title, parameter_name, field = "seconds", "seconds", "seconds"

    def values(self):
        return sorted({int(s) for lengths in ProviderModel.objects.values_list("seconds", flat=True) for s in lengths or []})

    def queryset(self, request, queryset):
        try:
            return queryset.filter(seconds=int(self.value())) if self.value() else queryset
        except ValueError:
            return queryset.none()


# ---------------------------------------------------------------------------------------------------------------
# Videos
# ---------------------------------------------------------------------------------------------------------------
@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    # What an operator needs at a glance, narrow enough for 1366 px; size and seconds are filters and on the page.
    list_display = ("thumb", "short_prompt", "status_badge", "owner", "project", "estimated_cost", "created")
    list_display_links = ("thumb", "short_prompt")
    # Fixed choices only: no filter reads every video for its choices (a DISTINCT scan each), and no
    # date_hierarchy (a date per row; "created" below has fixed ranges).
    list_filter = ("status", "provider", ModelFilter, "operation", SizeFilter, SecondsFilter, "created_at")
    search_fields = ("prompt", "public_id", "upstream_id", "owner__username", "project__name")
    search_help_text = (
        "Words of the prompt (word beginnings; the newest 10,000 matches), a video or upstream id, an owner, a project."
    )
    list_select_related = ("owner", "project")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # A changelist's time is its rows' rendering (the admin's per-cell machinery): 50 rows keep it near the
    # studio's other pages (bench/README.md).
    list_per_page = 50
    actions = ["retry", "refresh_from_upstream", "delete_upstream", "archive_now"]
    fields = ("thumbnail", "public_id", "prompt", "project", "owner", "created_by", "created_via", "provider", "operation",
              "model", "size", "seconds", "status", "progress", "error_code", "error_message", "estimated_cost",
              "upstream_id", "attempts", "remixed_from", "created_at", "submitted_at", "completed_at", "archived_at",
              "upstream_expires_at", "lease_until", "retry_at", "next_poll_at", "poll_count", "stored_files")  # fmt: skip
    readonly_fields = [f.name for f in Video._meta.fields] + ["thumbnail", "stored_files"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assets")

    def has_add_permission(self, request):
        return False  # videos are made through the studio (quotas, upstream), not typed in here

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """Django's own checkbox, written directly (its widget renders a template per row: a quarter of the page)."""
        label = format_html("Select this object for an action - {}", obj)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME, obj.pk, label,
        )  # fmt: skip

    def get_search_results(self, request, queryset, search_term):
        """The prompt through its full-text index; ids exactly; owners and projects by name among the few users
        and projects first (so no query joins every video to compare names)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        owners = list(get_user_model().objects.filter(username__iexact=term).values_list("id", flat=True))
        projects = list(Project.objects.filter(name__icontains=term).values_list("id", flat=True)[:100])
        # The prompt's matches as ids (the newest SEARCH_MAX): an OR with a subquery would scan every video.
        matches = search.matching(Video.objects.all(), term).order_by("-id").values_list("id", flat=True)
        found = Q(id__in=list(matches[:SEARCH_MAX]))
        # (provider, upstream_key) is the index: every provider, so the OR below can walk indexes, not the table
        found |= Q(provider_id__in=Provider.objects.values("id"), upstream_key=upstream_key(term))
        try:
            found |= Q(public_id=uuid.UUID(term))
        except ValueError:
            pass
        if owners:
            found |= Q(owner_id__in=owners)
        if projects:
            found |= Q(project_id__in=projects)
        return queryset.filter(found), False

    @admin.display(description="stored files")
    def stored_files(self, obj: Video) -> str:
        rows = [
            format_html("{}: {} ({} bytes, {}, sha256 {})", a.kind, a.file.name, a.bytes, a.get_origin_display(),
                        a.sha256[:12])  # fmt: skip
            for a in obj.asset_map.values()
        ]
        return format_html("<br>".join(["{}"] * len(rows)), *rows) if rows else "—"

    @admin.display(description="thumbnail")
    def thumbnail(self, obj: Video) -> str:
        """On the video's own page (a labelled row: an empty label showed a bare ':')."""
        return self.thumb(obj)

    @admin.display(description="")
    def thumb(self, obj: Video) -> str:
        if obj.asset_map.get("thumbnail"):
            url = reverse("videos:asset", args=[obj.public_id, "thumbnail"])
            return format_html('<img src="{}" alt="Open: {}" style="height:40px;border-radius:3px">', url, obj.prompt[:60])
        return "—"

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Video) -> str:
        return format_html('<time datetime="{}">{}</time>', obj.created_at.isoformat(), f"{obj.created_at:%d %b %H:%M}")

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, obj: Video) -> str:
        short = obj.prompt[:32] + ("…" if len(obj.prompt) > 32 else "")
        return format_html('<span title="{}">{}</span>', obj.prompt, short)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Video) -> str:
        # Colours by class (static/css/admin.css), readable on the admin's light and dark themes.
        return format_html(
            '<span class="admin-status admin-status-{}">{}</span>{}',
            obj.status,
            obj.get_status_display(),
            f" {obj.progress}%" if obj.status in Video.IN_FLIGHT else "",
        )

    def _each(self, request, queryset, action, done: str) -> None:
        ok, refused = 0, []
        for video in queryset:
            try:
                if action(video) is not False:
                    ok += 1
            except ValidationError as exc:
                refused.append(f"“{video.prompt[:30]}”: {' '.join(exc.messages)}")
        if ok:
            self.message_user(request, f"{done}: {ok} video{'s' if ok != 1 else ''}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Retry (a new video with the same settings, on the owner's quota)")
    def retry(self, request, queryset):
        def one(video):
            # Made by the staff user on the owner's behalf; atomic itself: a refusal changes nothing.
            return services.video_retry(actor=Actor.staff(request), video=video)

        self._each(request, queryset.select_related("owner", "project", "remixed_from"), one, "Retried")

    @admin.action(description="Refresh from upstream")
    def refresh_from_upstream(self, request, queryset):
        def one(video):
            if not video.upstream_id:
                raise ValidationError("Not created upstream yet.")
            tasks.enqueue_refresh(video.id)

        self._each(request, queryset, one, "Refresh queued")

    @admin.action(description="Delete here and upstream")
    def delete_upstream(self, request, queryset):
        self._each(request, queryset, lambda video: services.video_delete(actor=Actor.staff(request), video=video), "Deleted")

    @admin.action(description="Archive now (save the files)")
    def archive_now(self, request, queryset):
        def one(video):
            if video.status != Status.ARCHIVING:
                raise ValidationError(
                    f"Only a video being saved can be archived (this one is {video.get_status_display().lower()})."
                )
            tasks.enqueue_archive(video.id)

        self._each(request, queryset, one, "Archiving queued")


# ---------------------------------------------------------------------------------------------------------------
# The model registry and the plumbing
# ---------------------------------------------------------------------------------------------------------------
@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "event_type", "upstream_id", "webhook_id")
    list_filter = ("provider", "event_type")
    search_fields = ("webhook_id", "upstream_id")


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ("name", "holder", "until")
