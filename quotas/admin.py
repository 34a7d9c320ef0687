"""The quota console: rules, grants, usage counters, the charge ledger, and the usage report (charts and CSV).

Forms check shape; the rules of a rule or a grant live on the models (clean) and in quotas/services.py, so the admin,
the command and the services enforce one definition. Nothing here writes usage or charges directly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.actors import Actor
from audit.admin_mixins import AuditedAdminMixin
from config.admin_base import ReadOnlyAdmin
from config.csvcells import csv_cell
from providers.models import ProviderModel
from quotas import selectors, services
from quotas.models import QuotaCharge, QuotaGrant, QuotaRule, QuotaUsage


# ---------------------------------------------------------------------------------------------------------------
# Quota rules
# ---------------------------------------------------------------------------------------------------------------
def _model_choices() -> list[tuple[str, str]]:
    names = dict(ProviderModel.objects.values_list("name", "label").order_by("-label"))
    return sorted(((name, label or name) for name, label in names.items()), key=lambda c: c[0])


class QuotaRuleForm(forms.ModelForm):
    """Models as checkboxes (stored as a list of names; none ticked: every model)."""

    allowed_models = forms.MultipleChoiceField(
        choices=_model_choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every model.",
    )  # fmt: skip

    class Meta:
        model = QuotaRule
        fields = ["user", "project", "period", "max_videos", "max_seconds", "max_spend", "allowed_models",
                  "max_in_flight", "note"]  # fmt: skip

    def clean_allowed_models(self) -> list[str]:
        return list(self.cleaned_data.get("allowed_models") or [])


def _rule_usage(rule: QuotaRule) -> str:
    if rule.user_id is None and rule.project_id is None:
        return "counted per user"
    limits = selectors.usage_for(rule, rule.user)
    return " · ".join(str(lim).split(", until")[0] for lim in limits) or "—"


class QuotaRuleInline(admin.TabularInline):
    model = QuotaRule
    form = QuotaRuleForm
    extra = 0
    fields = ["period", "max_videos", "max_seconds", "max_spend", "allowed_models", "max_in_flight", "note"]
    verbose_name_plural = "quota rules"


class UserQuotaRuleInline(QuotaRuleInline):
    fk_name = "user"


class ProjectQuotaRuleInline(QuotaRuleInline):
    fk_name = "project"


class ScopeFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("user", "User"), ("project", "Project"), ("site", "Site default")]

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(user__isnull=False)
        if self.value() == "project":
            return queryset.filter(project__isnull=False)
        if self.value() == "site":
            return queryset.filter(user__isnull=True, project__isnull=True)
        return queryset


@admin.register(QuotaRule)
class QuotaRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "quota.rule"
    form = QuotaRuleForm
    # Narrow enough for 1366 px beside the admin's sidebar: the limits in one column, what is used in another.
    list_display = ("__str__", "limits", "usage")
    list_filter = (ScopeFilter, "period")
    search_fields = ("user__username", "user__email", "project__name", "note")
    autocomplete_fields = ("user", "project")
    list_select_related = ("user", "project")
    readonly_fields = ("usage", "created_at", "updated_at")

    @admin.display(description="limits")
    def limits(self, obj: QuotaRule) -> str:
        parts = [
            f"{obj.max_videos:,} videos" if obj.max_videos is not None else "",
            f"{obj.max_seconds:,} s" if obj.max_seconds is not None else "",
            services.money(obj.max_spend) if obj.max_spend is not None else "",
            f"{obj.max_in_flight} at once" if obj.max_in_flight is not None else "",
            f"models: {', '.join(obj.allowed_models)}" if obj.allowed_models else "",
        ]
        return " · ".join(p for p in parts if p) or "no limit"

    @admin.display(description="used this period")
    def usage(self, obj: QuotaRule) -> str:
        return _rule_usage(obj) if obj.pk else "—"


# ---------------------------------------------------------------------------------------------------------------
# Grants: one-off extra allowance for the current period
# ---------------------------------------------------------------------------------------------------------------
class QuotaGrantForm(forms.ModelForm):
    """Its rules are QuotaGrant.clean's (run by the form's model validation and again by quotas.services.grant)."""

    class Meta:
        model = QuotaGrant
        fields = ["rule", "user", "extra_videos", "extra_seconds", "extra_spend", "note"]


@admin.register(QuotaGrant)
class QuotaGrantAdmin(admin.ModelAdmin):
    form = QuotaGrantForm
    list_display = ("rule", "user", "period_start", "extra_videos", "extra_seconds", "extra_spend", "note",
                    "granted_by", "created_at")  # fmt: skip
    list_filter = ("rule__period",)
    search_fields = ("rule__user__username", "rule__project__name", "user__username", "note")
    autocomplete_fields = ("rule", "user")
    list_select_related = ("rule__user", "rule__project", "user", "granted_by")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        record = services.grant(
            rule=data["rule"], user=data.get("user"), videos=data.get("extra_videos") or 0,
            seconds=data.get("extra_seconds") or 0, spend=data.get("extra_spend") or 0, note=data.get("note", ""),
            actor=Actor.staff(request),
        )  # fmt: skip
        for f in record._meta.concrete_fields:  # the admin logs and redirects to the saved record
            setattr(obj, f.attname, getattr(record, f.attname))


# ---------------------------------------------------------------------------------------------------------------
# Usage counters and the ledger (read-only: only quotas/services.py writes them)
# ---------------------------------------------------------------------------------------------------------------
@admin.register(QuotaUsage)
class QuotaUsageAdmin(ReadOnlyAdmin):
    list_display = ("rule", "user", "period_start", "videos", "seconds", "spend_usd", "extras")
    list_filter = ("rule__period", "period_start")
    search_fields = ("rule__user__username", "rule__project__name", "user__username")
    list_select_related = ("rule__user", "rule__project", "user")

    @admin.display(description="spend")
    def spend_usd(self, obj: QuotaUsage) -> str:
        return services.money(obj.spend)

    @admin.display(description="grants this period")
    def extras(self, obj: QuotaUsage) -> str:
        return f"+{obj.extra_videos} videos, +{obj.extra_seconds} s, +{services.money(obj.extra_spend)}"

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(usage_report), name="quotas_usage_report"),
        ] + super().get_urls()


@admin.register(QuotaCharge)
class QuotaChargeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "project", "model", "seconds", "cost", "state", "item")
    list_filter = ("state", "item_type", "model", "created_at")
    search_fields = ("user__username", "project__name")
    list_select_related = ("user", "project")

    @admin.display(description="item")
    def item(self, obj: QuotaCharge) -> str:
        return f"{obj.item_type} #{obj.item_id}"


# ---------------------------------------------------------------------------------------------------------------
# The usage report: spend, seconds and videos per user, project and model for a period; charts; CSV
# ---------------------------------------------------------------------------------------------------------------
class UsageReportForm(forms.Form):
    period = forms.ChoiceField(choices=QuotaRule.Period.choices, initial=QuotaRule.Period.MONTH)
    date = forms.DateField(required=False, help_text="Any day in the period; empty: today.")

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value is not None and not (date(2000, 1, 1) <= value <= date(2100, 1, 1)):
            raise ValidationError("Pick a date between 2000 and 2100.")
        return value


DIMENSIONS = (("user", "user__username", "User"), ("project", "project__name", "Project"), ("model", "model", "Model"))


def usage_rows(start: datetime, end: datetime) -> dict[str, list[dict]]:
    """Per dimension: [{name, videos, seconds, spend, settled, reserved}], biggest spend first. Refunded charges
    don't count; deleted videos still do (the ledger keeps them)."""
    charges = QuotaCharge.objects.filter(created_at__gte=start, created_at__lt=end).exclude(
        state=QuotaCharge.State.REFUNDED
    )
    result: dict[str, list[dict]] = {}
    for key, field, _ in DIMENSIONS:
        rows = (
            charges.values(field)
            .annotate(
                videos=Count("id"),
                seconds=Sum("seconds"),
                spend=Sum("cost_micros"),
                settled=Sum("cost_micros", filter=Q(state=QuotaCharge.State.SETTLED)),
            )
            .order_by("-spend", field)
        )
        result[key] = [
            {
                "name": row[field] or "(deleted)",
                "videos": row["videos"],
                "seconds": row["seconds"] or 0,
                "spend": services.from_micros(row["spend"] or 0),
                "settled": services.from_micros(row["settled"] or 0),
                "reserved": services.from_micros((row["spend"] or 0) - (row["settled"] or 0)),
            }
            for row in rows
        ]
    return result


REPORT_CACHE_SECONDS = 600


def usage_rows_cached(start: datetime, end: datetime) -> tuple[dict[str, list[dict]], datetime]:
    """usage_rows, kept in the cache until the ledger changes (its last change, one index probe, is part of the key)
    or for REPORT_CACHE_SECONDS (names of users and projects may change meanwhile); and when it was computed."""
    changed = QuotaCharge.objects.aggregate(last=Max("updated_at"))["last"]
    key = f"quotas:usage:{start.isoformat()}:{end.isoformat()}:{changed.isoformat() if changed else '-'}"
    hit = cache.get(key)
    if hit is None:
        hit = (usage_rows(start, end), timezone.now())
        cache.set(key, hit, REPORT_CACHE_SECONDS)
    return hit


def bar_chart(rows: list[dict], value: str, fmt=str, width: int = 560, bar: int = 22) -> dict:
    """Geometry for a horizontal SVG bar chart, drawn by the template (no JavaScript)."""
    top = max((row[value] for row in rows), default=0) or 1
    label_w, gap = 140, 6
    bars = []
    for i, row in enumerate(rows[:15]):
        length = int((width - label_w - 90) * (Decimal(row[value]) / Decimal(top)))
        bars.append({
            "y": i * (bar + gap), "text_y": i * (bar + gap) + int(bar * 0.7), "w": max(length, 1),
            "label": str(row["name"])[:22], "value": fmt(row[value]), "value_x": label_w + max(length, 1) + 6,
        })  # fmt: skip
    return {"bars": bars, "height": max(len(bars) * (bar + gap), bar), "width": width, "label_w": label_w, "bar": bar}


def usage_report(request):
    if not (request.user.has_perm("quotas.view_quotacharge") or request.user.has_perm("quotas.view_quotausage")):
        raise PermissionDenied
    form = UsageReportForm(request.GET or None)
    period, day, status = QuotaRule.Period.MONTH, timezone.now().date(), 200
    if form.is_bound:
        if form.is_valid():
            period = form.cleaned_data["period"]
            day = form.cleaned_data["date"] or day
        else:
            status = 400
    start, end = services.period_bounds(period, datetime.combine(day, time(12), tzinfo=UTC))
    if request.GET.get("format") == "csv" and status == 200:
        data = usage_rows(start, end)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="usage-{period}-{start:%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(["period_start", "period_end", "by", "name", "videos", "seconds", "spend_usd",
                         "settled_usd", "reserved_usd"])  # fmt: skip
        for key, _, _ in DIMENSIONS:
            for row in data[key]:
                cells = [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", key, row["name"], row["videos"], row["seconds"],
                         f"{row['spend']:.2f}", f"{row['settled']:.2f}", f"{row['reserved']:.2f}"]  # fmt: skip
                writer.writerow([csv_cell(cell) for cell in cells])
        return response
    data, as_of = usage_rows_cached(start, end)
    totals = defaultdict(Decimal)
    for row in data["model"]:
        for k in ("videos", "seconds", "spend"):
            totals[k] += row[k]
    sections = [
        {
            "key": key, "title": title, "rows": data[key],
            "spend_chart": bar_chart(data[key], "spend", services.money),
            "seconds_chart": bar_chart(data[key], "seconds", lambda v: f"{v:,} s"),
        }
        for key, _, title in DIMENSIONS
    ]  # fmt: skip
    query = f"period={period}&date={day:%Y-%m-%d}"
    ctx = {
        **admin.site.each_context(request),
        "title": "Usage",
        "page": "usage",
        "form": form if form.is_bound else UsageReportForm(initial={"period": period, "date": day}),
        "start": start,
        "end": end,
        "period": period,
        "sections": sections,
        "totals": {"videos": int(totals["videos"]), "seconds": int(totals["seconds"]), "spend": totals["spend"]},
        "date_value": request.GET.get("date", "") if form.is_bound else f"{day:%Y-%m-%d}",
        "csv_url": f"{reverse('admin:quotas_usage_report')}?{query}&format=csv",
        "as_of": as_of,
    }
    return TemplateResponse(request, "admin/quotas/usage.html", ctx, status=status)
