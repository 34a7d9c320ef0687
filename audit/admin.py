"""The audit log in the admin: browse and filter (action, actor, project, outcome, date), export the filtered list
as CSV. Nobody may add, change or delete an entry here, superusers included."""

from __future__ import annotations

import csv
from datetime import UTC

from django.contrib import admin
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.actors import Actor
from audit import services
from audit.models import Entry
from config.csvcells import csv_cell

CSV_COLUMNS = [
    ("when (UTC)", lambda e: e.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")),
    ("action", lambda e: e.action),
    ("outcome", lambda e: e.outcome),
    ("reason", lambda e: e.reason),
    ("actor", lambda e: e.actor_name),
    ("actor kind", lambda e: e.actor_kind),
    ("on behalf of", lambda e: e.on_behalf_of_name),
    ("via", lambda e: e.via),
    ("via label", lambda e: e.via_label),
    ("address", lambda e: e.ip_address or ""),
    ("project", lambda e: e.project_name),
    ("project id", lambda e: str(e.project.public_id) if e.project_id and e.project else ""),
    ("target type", lambda e: e.target_type),
    ("target id", lambda e: e.target_id),
    ("target", lambda e: e.target_label),
    ("entry id", lambda e: str(e.public_id)),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow([name for name, _ in CSV_COLUMNS])
    for entry in entries:
        yield writer.writerow([csv_cell(get(entry)) for _, get in CSV_COLUMNS])


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "outcome", "who", "how", "ip_address", "project_name", "target_type",
                    "target_label")  # fmt: skip
    list_filter = ("action", "outcome", "via", ("actor", admin.RelatedOnlyFieldListFilter),
                   ("project", admin.RelatedOnlyFieldListFilter), "created_at")  # fmt: skip
    search_fields = ("actor_name", "project_name", "target_label", "target_id", "reason", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("project",)
    readonly_fields = [f.name for f in Entry._meta.fields]

    # Append-only: view only, for everyone (superusers too).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}

    def get_urls(self):
        own = [path("export.csv", self.admin_site.admin_view(self.export_view), name="audit_entry_export")]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        query = request.GET.urlencode()
        export = reverse("admin:audit_entry_export") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "export_url": export})

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The changelist's filtered entries (same query string) as CSV, streamed row by row."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request).select_related("project")
        services.record(actor=Actor.staff(request), action="audit.export", detail={"filters": request.GET.urlencode()})
        response = StreamingHttpResponse(csv_rows(entries.iterator(chunk_size=2000)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response
