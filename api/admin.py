from __future__ import annotations

from django.contrib import admin, messages

from accounts.actors import Actor
from api import services
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (settings page) or `create_api_token`; staff can see and revoke them. The
    secret is never stored, so never shown."""

    list_display = ("name", "display_prefix", "user", "project", "scope", "created_at", "last_used_at", "expires_at",
                    "revoked_at")  # fmt: skip
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__username", "project__name")
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "id"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        count = sum(services.token_revoke(actor=Actor.staff(request), token=token) for token in queryset)
        messages.success(request, f"Revoked {count} token{'s' if count != 1 else ''}.")
