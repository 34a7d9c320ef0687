"""Providers and the model registry in the admin.

Only superusers may add or change a provider: its base URL and key variable decide where the studio sends keys and
every member's prompts. Staff with model-registry permissions edit models (names, prices, sizes), never where they
are sent.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from providers.keys import check_key_variable
from providers.models import Provider, ProviderModel


class ProviderForm(forms.ModelForm):
    base_url = forms.URLField(
        max_length=500, required=False, assume_scheme="https",
        help_text="e.g. https://gateway.example/v1; empty for the built-in simulator.",
    )  # fmt: skip

    class Meta:
        model = Provider
        fields = ["name", "slug", "kind", "base_url", "api_key_env", "webhook_secret_env", "max_in_flight", "is_active",
                  "sort_order"]  # fmt: skip

    def clean(self):
        data = super().clean()
        from providers.urls_check import check_base_url

        if data.get("kind") == Provider.Kind.REMOTE:
            problem = check_base_url(data.get("base_url") or "")
            if problem:
                self.add_error("base_url", problem)
        for name in ("api_key_env", "webhook_secret_env"):
            value = (data.get(name) or "").strip()
            if value and (problem := check_key_variable(value)):
                self.add_error(name, problem)
        return data


class ProviderModelInline(admin.TabularInline):
    model = ProviderModel
    extra = 0
    fields = ["name", "label", "prices", "seconds", "is_active", "sort_order"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = ("name", "slug", "kind", "base_url", "api_key_env", "in_flight_cap", "is_active", "probed_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "base_url")
    readonly_fields = ("public_id", "profile", "probed_at", "created_at", "updated_at")
    inlines = [ProviderModelInline]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ProviderModel)
class ProviderModelAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "provider", "price_list", "is_active", "sort_order")
    list_filter = ("provider", "is_active")
    search_fields = ("name", "label")
    list_editable = ("is_active", "sort_order")
    list_select_related = ("provider",)

    def get_readonly_fields(self, request, obj=None):
        # Which provider serves a model decides where prompts go: superusers only (see the module docstring).
        return () if request.user.is_superuser else ("provider",) if obj is not None else ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and obj is None and "provider" in form.base_fields:
            form.base_fields["provider"].help_text = "Adding a model to a provider does not change where it sends."
        return form

    @admin.display(description="USD per second")
    def price_list(self, obj: ProviderModel) -> str:
        return ", ".join(f"{size}: ${price}" for size, price in (obj.prices or {}).items())

    def clean_prices(self, value):  # pragma: no cover - the model form validates JSON
        if not isinstance(value, dict):
            raise ValidationError("A JSON object of size: price.")
        return value
