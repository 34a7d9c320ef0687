"""Quotas: rules (per user, per project, or the site default), per-period usage counters, one-off grants, and the
charge ledger. Written only by quotas/services.py; see its docstring for how reserve/settle/refund use these tables.

A charge is for any kind of item (a video today; a stitched final cut or an API call later): the ledger names the
item by type and id, so a new kind of item needs no new column.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

MICROS = 1_000_000  # spend is counted in integer micro-dollars: exact sums on SQLite and PostgreSQL alike
QUOTA_MAX_VIDEOS = 100_000
QUOTA_MAX_SECONDS = 10_000_000
QUOTA_MAX_SPEND = Decimal(100000)
QUOTA_MAX_IN_FLIGHT = 1_000


class QuotaRule(models.Model):
    """A limit per period for one user, one project, or (neither set) the site default.

    The site default applies to each user who has no rule of their own, counted per user. A project rule counts
    everything made in that project. The tightest rule that applies wins. Empty limits mean "no limit".
    """

    class Period(models.TextChoices):
        DAY = "day", "Day"
        WEEK = "week", "Week"
        MONTH = "month", "Month"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="quota_rules"
    )
    project = models.ForeignKey(
        "accounts.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="quota_rules"
    )
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    max_videos = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    max_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds of video. Empty: no limit.")
    max_spend = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="USD. Empty: no limit."
    )
    allowed_models = models.JSONField(default=list, blank=True, help_text="Model names; empty: every model.")
    max_in_flight = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Jobs of one user running upstream at once. Empty: no limit of its own."
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "project_id", "period", "id"]
        verbose_name = "quota rule"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(project__isnull=True),
                name="quotas_quotarule_one_scope",
                violation_error_message="A rule is for a user or for a project (or, with neither, the site), not both.",
            ),
            models.CheckConstraint(
                condition=Q(period__in=["day", "week", "month"]), name="quotas_quotarule_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_videos__isnull=True) | Q(max_videos__gte=0, max_videos__lte=QUOTA_MAX_VIDEOS),
                name="quotas_quotarule_max_videos_range",
            ),
            models.CheckConstraint(
                condition=Q(max_seconds__isnull=True) | Q(max_seconds__gte=0, max_seconds__lte=QUOTA_MAX_SECONDS),
                name="quotas_quotarule_max_seconds_range",
            ),
            models.CheckConstraint(
                condition=Q(max_spend__isnull=True) | Q(max_spend__gte=0, max_spend__lte=QUOTA_MAX_SPEND),
                name="quotas_quotarule_max_spend_range",
            ),
            models.CheckConstraint(
                condition=Q(max_in_flight__isnull=True) | Q(max_in_flight__gte=1, max_in_flight__lte=QUOTA_MAX_IN_FLIGHT),
                name="quotas_quotarule_max_in_flight_range",
            ),
            models.UniqueConstraint(
                fields=["user", "period"],
                condition=Q(user__isnull=False),
                name="quotas_quotarule_one_per_user_period",
                violation_error_message="This user already has a rule for that period; edit it instead.",
            ),
            models.UniqueConstraint(
                fields=["project", "period"],
                condition=Q(project__isnull=False),
                name="quotas_quotarule_one_per_project_period",
                violation_error_message="This project already has a rule for that period; edit it instead.",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(user__isnull=True, project__isnull=True),
                name="quotas_quotarule_one_site_default_per_period",
                violation_error_message="There is already a site default for that period; edit it instead.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.get_period_display().lower()}ly quota"

    @property
    def scope(self) -> str:
        return "user" if self.user_id else "project" if self.project_id else "site"

    @property
    def scope_label(self) -> str:
        if self.user_id:
            return f"user {self.user}"
        if self.project_id:
            return f"project {self.project}"
        return "site default"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.user_id and self.project_id:
            errors["project"] = "A rule is for a user or for a project, not both."
        if self.period not in self.Period.values:
            errors["period"] = f"The period must be one of {', '.join(self.Period.values)}."
        bounds = {
            "max_videos": (0, QUOTA_MAX_VIDEOS, "videos"),
            "max_seconds": (0, QUOTA_MAX_SECONDS, "seconds"),
            "max_spend": (0, QUOTA_MAX_SPEND, "USD"),
            "max_in_flight": (1, QUOTA_MAX_IN_FLIGHT, "jobs"),
        }
        for name, (low, high, unit) in bounds.items():
            value = getattr(self, name)
            if value is not None and not (low <= value <= high):
                errors[name] = f"Must be between {low} and {high:,} {unit} (or empty for no limit)."
        models_ = self.allowed_models
        if not isinstance(models_, list) or not all(isinstance(m, str) for m in models_):
            errors["allowed_models"] = "A list of model names, e.g. [\"sora-2\"]."
        else:
            from providers.models import ProviderModel

            known = set(ProviderModel.objects.filter(name__in=models_).values_list("name", flat=True))
            unknown = [m for m in models_ if m not in known]
            if unknown:
                errors["allowed_models"] = f"No such model: {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)


class QuotaUsage(models.Model):
    """What one rule has counted in one period (for a site default: per user). Changed only by single conditional
    UPDATEs in videos/quotas.py, so concurrent submissions can't overspend. `extra_*` are one-off grants for this
    period."""

    rule = models.ForeignKey(QuotaRule, on_delete=models.CASCADE, related_name="usages")
    # The counted user for a user rule or a site default; empty for a project rule (the whole project counts).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="quota_usages"
    )
    period_start = models.DateTimeField()
    videos = models.IntegerField(default=0)
    seconds = models.BigIntegerField(default=0)
    spend_reserved_micros = models.BigIntegerField(default=0)
    spend_settled_micros = models.BigIntegerField(default=0)
    extra_videos = models.IntegerField(default=0)
    extra_seconds = models.BigIntegerField(default=0)
    extra_spend_micros = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "rule_id"]
        verbose_name = "quota usage"
        verbose_name_plural = "quota usage"
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "user", "period_start"],
                condition=Q(user__isnull=False),
                name="quotas_quotausage_one_per_rule_user_period",
            ),
            models.UniqueConstraint(
                fields=["rule", "period_start"],
                condition=Q(user__isnull=True),
                name="quotas_quotausage_one_per_rule_period",
            ),
            models.CheckConstraint(
                condition=Q(
                    videos__gte=0, seconds__gte=0, spend_reserved_micros__gte=0, spend_settled_micros__gte=0,
                    extra_videos__gte=0, extra_seconds__gte=0, extra_spend_micros__gte=0,
                ),
                name="quotas_quotausage_not_negative",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"usage of rule {self.rule_id} from {self.period_start:%Y-%m-%d}"

    @property
    def spend(self) -> Decimal:
        return Decimal(self.spend_reserved_micros + self.spend_settled_micros) / MICROS

    @property
    def extra_spend(self) -> Decimal:
        return Decimal(self.extra_spend_micros) / MICROS


class QuotaGrant(models.Model):
    """A one-off extra allowance on a rule for the period it was granted in (the record; the usage row holds the
    sums)."""

    rule = models.ForeignKey(QuotaRule, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="quota_grants",
        help_text="For a site default: the user it is for.",
    )  # fmt: skip
    period_start = models.DateTimeField()
    extra_videos = models.PositiveIntegerField(default=0)
    extra_seconds = models.PositiveIntegerField(default=0)
    extra_spend = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    note = models.CharField(max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extra_spend__gte=0, extra_spend__lte=QUOTA_MAX_SPEND), name="quotas_quotagrant_spend_range"
            ),
            models.CheckConstraint(
                condition=Q(extra_videos__lte=QUOTA_MAX_VIDEOS, extra_seconds__lte=QUOTA_MAX_SECONDS),
                name="quotas_quotagrant_counts_range",
            ),
        ]

    def __str__(self) -> str:
        return f"grant on rule {self.rule_id} from {self.period_start:%Y-%m-%d}"

    def clean(self) -> None:
        """The rules of a grant, defined once: the service and the admin's form both run them (full_clean)."""
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        rule = self.rule if self.rule_id else None
        if rule is not None:
            if rule.user_id is None and rule.project_id is None and self.user_id is None:
                errors["user"] = "A grant on the site default is for one user: say which."
            elif rule.project_id and self.user_id is not None:
                errors["user"] = "Leave this empty: a project rule counts the whole project."
            elif rule.user_id and self.user_id is not None and self.user_id != rule.user_id:
                errors["user"] = "Leave this empty: the rule already says whom it is for."
        bounds = {"extra_videos": (QUOTA_MAX_VIDEOS, "videos"), "extra_seconds": (QUOTA_MAX_SECONDS, "seconds"),
                  "extra_spend": (QUOTA_MAX_SPEND, "USD")}  # fmt: skip
        for name, (high, unit) in bounds.items():
            value = getattr(self, name)
            if value is not None and not (0 <= value <= high):
                errors[name] = f"Must be between 0 and {high:,} {unit}."
        if errors:
            raise ValidationError(errors)
        if not (self.extra_videos or self.extra_seconds or self.extra_spend):
            raise ValidationError("Grant something: extra videos, seconds or spend.")


class QuotaCharge(models.Model):
    """One per video: what it reserved, and whether that became spend (settled) or was given back (refunded).
    Settling and refunding move a charge out of `reserved` with a conditional UPDATE, so each happens once."""

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        SETTLED = "settled", "Settled"
        REFUNDED = "refunded", "Refunded"

    # The charged item: a video today ("videos.video" and its id); the record stays when the item is deleted.
    item_type = models.CharField(max_length=50, default="videos.video")
    item_id = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="quota_charges"
    )
    project = models.ForeignKey("accounts.Project", null=True, on_delete=models.SET_NULL, related_name="quota_charges")
    model = models.CharField(max_length=64)
    seconds = models.PositiveIntegerField()
    cost_micros = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    usages = models.ManyToManyField(QuotaUsage, blank=True, related_name="charges")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost_micros__gte=0), name="quotas_quotacharge_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=["reserved", "settled", "refunded"]), name="quotas_quotacharge_state_valid"
            ),
            models.UniqueConstraint(fields=["item_type", "item_id"], name="quotas_quotacharge_one_per_item"),
        ]
        indexes = [
            # The usage page: "charges created in a period" (WHERE created_at >= .. AND created_at < ..).
            models.Index(fields=["created_at"], name="quotas_charge_created_idx"),
            # The usage page's cache key: "when did the ledger last change" (MAX(updated_at), one index probe).
            models.Index(fields=["updated_at"], name="quotas_charge_updated_idx"),
        ]


    def __str__(self) -> str:
        return f"{self.model} {self.seconds}s {self.state}"

    @property
    def cost(self) -> Decimal:
        return Decimal(self.cost_micros) / MICROS
