from __future__ import annotations

from django.contrib import admin

from .models import SimFault, SimVideo, SimWebhookDelivery


@admin.register(SimVideo)
class SimVideoAdmin(admin.ModelAdmin):
    list_display = ("__str__", "profile", "kind", "model", "size", "seconds", "status", "progress", "created_at")
    list_filter = ("profile", "status", "kind", "model")
    search_fields = ("id", "upstream_id", "prompt")
    readonly_fields = ("key_hash", "lease_owner", "lease_until")


@admin.register(SimFault)
class SimFaultAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "method", "path", "status", "delay_seconds", "code")


@admin.register(SimWebhookDelivery)
class SimWebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "video_id", "attempts", "last_status", "delivered_at", "gave_up")
    readonly_fields = ("body",)
