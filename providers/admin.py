"""Providers and the model registry in the admin.

Only superusers may add or change a provider: its base URL and key variable decide where the studio sends keys and
every member's prompts. Staff with model-registry permissions edit models (names, prices, sizes), never where they
are sent.

Only superusers see and run the conformance probe: the action "Probe the selected provider" (or the link on a
provider's page) shows what the probe may create and spend, and asks; the probe then runs as a task
(providers/tasks.py) while a page shows its progress, then its table. A provider's page shows the capability table
its last probe stored.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.actors import Actor
from audit.admin_mixins import AuditedAdminMixin
from providers import services
from providers.models import ProbeRun, Provider, ProviderModel
from providers.probe import ProbeError, plan, stored_rows


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
        """The same rules as `manage.py provider add` (providers/services.py): allowed key variables only, no
        link-local or metadata address."""
        data = super().clean()
        if data.get("kind") == Provider.Kind.REMOTE:
            try:
                services.check_provider_fields(
                    base_url=data.get("base_url") or "", api_key_env=(data.get("api_key_env") or "").strip(),
                    webhook_secret_env=(data.get("webhook_secret_env") or "").strip(),
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class ProviderModelInline(admin.TabularInline):
    model = ProviderModel
    extra = 0
    fields = ["name", "label", "prices", "seconds", "is_active", "sort_order"]


class ProbeForm(forms.Form):
    create_budget = forms.IntegerField(
        min_value=0, max_value=services.MAX_CREATE_BUDGET, initial=3, label="Create budget",
        help_text="The most objects (jobs, a character) the probe creates on the provider.",
    )  # fmt: skip
    allow_spend = forms.DecimalField(
        min_value=Decimal("0"), max_value=services.MAX_ALLOW_SPEND, decimal_places=2, label="Spend allowed (USD)",
        help_text="The probe never creates what would pass this, at the registry's prices.",
    )  # fmt: skip
    no_create = forms.BooleanField(required=False, label="Create nothing (routes that need a job stay untested)")


@admin.register(Provider)
class ProviderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "provider"
    form = ProviderForm
    list_display = ("name", "slug", "kind", "base_url", "api_key_env", "in_flight_cap", "is_active", "probed_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "base_url")
    readonly_fields = ("public_id", "probed_at", "created_at", "updated_at")
    inlines = [ProviderModelInline]
    actions = ["probe_provider"]

    def get_readonly_fields(self, request, obj=None):
        # The capability table the last probe stored (superusers only, like the probe itself).
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "capabilities") if request.user.is_superuser and obj is not None else fields

    @admin.display(description="Measured capabilities")
    def capabilities(self, obj: Provider) -> str:
        return render_to_string(
            "admin/providers/provider/capability_table.html", {"rows": stored_rows(obj.profile), "provider": obj}
        )

    def probe_url(self, obj: Provider | None) -> str:
        if obj is None or obj.pk is None:
            return ""
        return reverse("admin:providers_provider_probe", args=[obj.pk])

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("probe_provider", None)
        return actions

    @admin.action(description="Probe the selected provider (asks before creating anything)")
    def probe_provider(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one provider to probe.", messages.ERROR)
            return None
        return redirect(self.probe_url(queryset.get()))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:provider_id>/probe/", view(self.probe_view), name="providers_provider_probe"),
            path(
                "<int:provider_id>/probe/<uuid:run_id>/", view(self.probe_run_view), name="providers_provider_probe_run"
            ),
            path(
                "<int:provider_id>/probe/<uuid:run_id>/status/", view(self.probe_status_view),
                name="providers_provider_probe_status",
            ),  # fmt: skip
        ] + super().get_urls()

    # -- the probe's pages (superusers only) -----------------------------------------------------------------------
    def _provider(self, request: HttpRequest, provider_id: int) -> Provider:
        if not request.user.is_superuser:
            raise PermissionDenied
        return get_object_or_404(Provider, pk=provider_id)

    def probe_view(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        """GET: what the probe may create and spend, and the form; POST: queue it and go to its page."""
        provider = self._provider(request, provider_id)
        budget = request.POST.get("create_budget") or request.GET.get("create_budget") or 3
        try:
            the_plan = plan(provider, create_budget=max(0, min(int(budget), services.MAX_CREATE_BUDGET)))
            problem = ""
        except (ProbeError, ValueError) as exc:
            the_plan, problem = None, getattr(exc, "message", "The create budget must be a whole number.")
        form = ProbeForm(initial={"allow_spend": the_plan.max_spend if the_plan else Decimal("0.00")})
        if request.method == "POST":
            form = ProbeForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    run = services.probe_run_request(
                        actor=Actor.staff(request), provider=provider, allow_spend=data["allow_spend"],
                        create_budget=0 if data["no_create"] else data["create_budget"],
                    )  # fmt: skip
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    return redirect("admin:providers_provider_probe_run", provider.pk, run.public_id)
        active = provider.probe_runs.filter(state__in=ProbeRun.ACTIVE).first()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Probe {provider.name}",
            "opts": self.model._meta,
            "provider": provider,
            "plan": the_plan,
            "problem": problem,
            "form": form,
            "active": active,
            "recent": provider.probe_runs.all()[:5],
        }
        return TemplateResponse(request, "admin/providers/provider/probe.html", context)

    def _run(self, request: HttpRequest, provider_id: int, run_id) -> ProbeRun:
        provider = self._provider(request, provider_id)
        return get_object_or_404(ProbeRun.objects.select_related("provider", "requested_by"), provider=provider,
                                 public_id=run_id)  # fmt: skip

    def probe_run_view(self, request: HttpRequest, provider_id: int, run_id) -> HttpResponse:
        run = self._run(request, provider_id, run_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Probe of {run.provider.name}",
            "opts": self.model._meta,
            "provider": run.provider,
            "run": run,
            "status_url": reverse("admin:providers_provider_probe_status", args=[run.provider_id, run.public_id]),
            "progress_html": self.progress_html(run),
        }
        return TemplateResponse(request, "admin/providers/provider/probe_run.html", context)

    def probe_status_view(self, request: HttpRequest, provider_id: int, run_id) -> JsonResponse:
        run = self._run(request, provider_id, run_id)
        return JsonResponse({"state": run.state, "done": not run.is_active, "html": self.progress_html(run)})

    def progress_html(self, run: ProbeRun) -> str:
        from providers.probe import Row

        rows = [Row(*item) for item in run.table if isinstance(item, list) and len(item) == 3]
        return render_to_string("admin/providers/provider/probe_progress.html", {"run": run, "rows": rows})

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin):
    """The probe's runs, read-only (superusers only): who asked, the limits, and how it ended."""

    list_display = ("created_at", "provider", "state", "requested_by", "create_budget", "allow_spend", "finished_at")
    list_filter = ("state", "provider")
    list_select_related = ("provider", "requested_by")
    fields = ("public_id", "provider", "requested_by", "state", "create_budget", "allow_spend", "error",
              "created_at", "started_at", "finished_at", "page")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Page")
    def page(self, obj: ProbeRun) -> str:
        url = reverse("admin:providers_provider_probe_run", args=[obj.provider_id, obj.public_id])
        return format_html('<a href="{}">Progress and table</a>', url)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ProviderModel)
class ProviderModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "provider_model"
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
