from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.actors import ActorKind

ALLOWED_SECONDS = (4, 8, 12)


class Video(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a slot"
        SUBMITTING = "submitting", "Submitting"
        QUEUED = "queued", "Queued"
        IN_PROGRESS = "in_progress", "Rendering"
        ARCHIVING = "archiving", "Saving"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    RENDERING = (Status.QUEUED, Status.IN_PROGRESS)  # known upstream and followed by the poller
    IN_FLIGHT = (Status.SUBMITTING, *RENDERING)
    UNFINISHED = (Status.PENDING, Status.SUBMITTING, Status.QUEUED, Status.IN_PROGRESS, Status.ARCHIVING)

    class Fit(models.TextChoices):
        COVER = "cover", "Fill the frame (crop)"
        CONTAIN = "contain", "Show the whole image (letterbox)"

    class Operation(models.TextChoices):
        CREATE = "create", "Create"
        REMIX = "remix", "Remix"
        EDIT = "edit", "Edit"
        EXTEND = "extend", "Extend"
        STITCH = "stitch", "Stitch"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="videos")
    # Whose video it is: their gallery and their quota.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="videos")
    # Who made it happen, and through which door (a staff retry is owned by the member, made by the staff user).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_via = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.MEMBER)
    # The provider that runs the job, and what kind of job it is.
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="videos")
    operation = models.CharField(max_length=10, choices=Operation.choices, default=Operation.CREATE)
    prompt = models.TextField(max_length=32000)
    model = models.CharField(max_length=64)
    size = models.CharField(max_length=16)
    seconds = models.PositiveSmallIntegerField()
    input_fit = models.CharField(max_length=10, choices=Fit.choices, blank=True)
    remixed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    # A nonce from the form: a double-clicked submit finds the video the first click made.
    submit_token = models.UUIDField(null=True, blank=True, editable=False)

    # Upstream job state. Kept in our own table so any worker (or the reconciler) can resume any job. Written only by
    # videos/lifecycle.py. An upstream id is an opaque string of any length, unique per provider (through its hash).
    upstream_id = models.TextField(null=True, blank=True)
    upstream_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Upstream create attempts so far.")
    # A worker holding the lease (its token, until when) is creating or archiving this job; an expired lease can be
    # taken over. Only in SUBMITTING and ARCHIVING.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # A waiting job sent back after a failed start is not started again before this time.
    retry_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    upstream_expires_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # A deleted video that has remixes stays as a tombstone (no files, no upstream job) so its family tree keeps
    # its shape and its generations their numbers; pages show it as "deleted".
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="videos_video_progress_0_100"),
            models.CheckConstraint(condition=Q(seconds__in=ALLOWED_SECONDS), name="videos_video_seconds_allowed"),
            models.CheckConstraint(condition=~Q(remixed_from=F("id")), name="videos_video_not_own_parent"),
            models.CheckConstraint(condition=Q(
                    status__in=["pending", "submitting", "queued", "in_progress", "archiving", "completed", "failed"]
                ), name="videos_video_status_valid"),
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="videos_video_cost_not_negative"),
            models.UniqueConstraint(
                fields=["owner", "submit_token"], condition=Q(submit_token__isnull=False), name="videos_video_one_per_submit"
            ),
            models.UniqueConstraint(
                fields=["provider", "upstream_key"],
                condition=Q(upstream_key__isnull=False),
                name="videos_video_one_per_upstream_job",
            ),
            models.CheckConstraint(
                condition=Q(operation__in=["create", "remix", "edit", "extend", "stitch"]),
                name="videos_video_operation_valid",
            ),
        ]
        indexes = [
            # The poller: "unfinished videos whose next poll is due" (WHERE status IN (...) ORDER BY next_poll_at).
            models.Index(
                fields=["next_poll_at"],
                name="videos_due_poll_idx",
                condition=Q(status__in=["submitting", "queued", "in_progress", "archiving"]),
            ),
            # Fair scheduling: "videos waiting for a slot, oldest first".
            models.Index(fields=["created_at"], name="videos_pending_idx", condition=Q(status="pending")),
            # The reconciler: "jobs held by a worker whose lease has expired".
            models.Index(
                fields=["lease_until"], name="videos_leased_idx", condition=Q(status__in=["submitting", "archiving"])
            ),
            models.Index(fields=["project", "-created_at"], name="videos_project_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt[:40]} ({self.get_status_display()})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    @property
    def is_busy(self) -> bool:
        """Being made or saved right now: it can be deleted once it has finished or failed (or before it started)."""
        return self.status in (*self.IN_FLIGHT, self.Status.ARCHIVING)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def asset_map(self) -> dict:
        """The video's stored files by kind (video, thumbnail, spritesheet, reference): assets.Asset rows. Selectors
        prefetch them; `{{ video.asset_map.thumbnail }}` in a template costs no query then."""
        cached = getattr(self, "_asset_map", None)
        if cached is None:
            cached = self._asset_map = {asset.kind: asset for asset in self.assets.all()}
        return cached

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("_asset_map", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.COMPLETED and "video" in self.asset_map

    def remix_deadline(self) -> datetime:
        return self.created_at + timedelta(hours=settings.REMIX_WINDOW_HOURS)

    def is_remixable(self, now: datetime) -> bool:
        return self.status == self.Status.COMPLETED and now < self.remix_deadline()


class WebhookEvent(models.Model):
    """Every accepted webhook delivery, by provider and webhook-id: a retried delivery is recognised and ignored."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="webhook_events")
    webhook_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=50)
    upstream_id = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "webhook_id"], name="videos_webhookevent_one_per_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.upstream_id}"


class Lease(models.Model):
    """A named lease held until a time: one poller loop at a time across all workers and machines."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} until {self.until}"


# ===============================================================================================================
# Quotas (issue #5): rules, per-period usage counters, one-off grants, and a per-video charge ledger.
# Written only by videos/quotas.py; see its docstring for how reserve/settle/refund use these tables.
# ===============================================================================================================
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
                name="videos_quotarule_one_scope",
                violation_error_message="A rule is for a user or for a project (or, with neither, the site), not both.",
            ),
            models.CheckConstraint(
                condition=Q(period__in=["day", "week", "month"]), name="videos_quotarule_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_videos__isnull=True) | Q(max_videos__gte=0, max_videos__lte=QUOTA_MAX_VIDEOS),
                name="videos_quotarule_max_videos_range",
            ),
            models.CheckConstraint(
                condition=Q(max_seconds__isnull=True) | Q(max_seconds__gte=0, max_seconds__lte=QUOTA_MAX_SECONDS),
                name="videos_quotarule_max_seconds_range",
            ),
            models.CheckConstraint(
                condition=Q(max_spend__isnull=True) | Q(max_spend__gte=0, max_spend__lte=QUOTA_MAX_SPEND),
                name="videos_quotarule_max_spend_range",
            ),
            models.CheckConstraint(
                condition=Q(max_in_flight__isnull=True) | Q(max_in_flight__gte=1, max_in_flight__lte=QUOTA_MAX_IN_FLIGHT),
                name="videos_quotarule_max_in_flight_range",
            ),
            models.UniqueConstraint(
                fields=["user", "period"],
                condition=Q(user__isnull=False),
                name="videos_quotarule_one_per_user_period",
                violation_error_message="This user already has a rule for that period; edit it instead.",
            ),
            models.UniqueConstraint(
                fields=["project", "period"],
                condition=Q(project__isnull=False),
                name="videos_quotarule_one_per_project_period",
                violation_error_message="This project already has a rule for that period; edit it instead.",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(user__isnull=True, project__isnull=True),
                name="videos_quotarule_one_site_default_per_period",
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
                name="videos_quotausage_one_per_rule_user_period",
            ),
            models.UniqueConstraint(
                fields=["rule", "period_start"],
                condition=Q(user__isnull=True),
                name="videos_quotausage_one_per_rule_period",
            ),
            models.CheckConstraint(
                condition=Q(
                    videos__gte=0, seconds__gte=0, spend_reserved_micros__gte=0, spend_settled_micros__gte=0,
                    extra_videos__gte=0, extra_seconds__gte=0, extra_spend_micros__gte=0,
                ),
                name="videos_quotausage_not_negative",
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
                condition=Q(extra_spend__gte=0, extra_spend__lte=QUOTA_MAX_SPEND), name="videos_quotagrant_spend_range"
            ),
            models.CheckConstraint(
                condition=Q(extra_videos__lte=QUOTA_MAX_VIDEOS, extra_seconds__lte=QUOTA_MAX_SECONDS),
                name="videos_quotagrant_counts_range",
            ),
        ]

    def __str__(self) -> str:
        return f"grant on rule {self.rule_id} from {self.period_start:%Y-%m-%d}"


class QuotaCharge(models.Model):
    """One per video: what it reserved, and whether that became spend (settled) or was given back (refunded).
    Settling and refunding move a charge out of `reserved` with a conditional UPDATE, so each happens once."""

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        SETTLED = "settled", "Settled"
        REFUNDED = "refunded", "Refunded"

    video = models.OneToOneField(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="charge")
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
            models.CheckConstraint(condition=Q(cost_micros__gte=0), name="videos_quotacharge_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=["reserved", "settled", "refunded"]), name="videos_quotacharge_state_valid"
            ),
        ]
        indexes = [
            # The usage page: "charges created in a period" (WHERE created_at >= .. AND created_at < ..).
            models.Index(fields=["created_at"], name="videos_charge_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.seconds}s {self.state}"

    @property
    def cost(self) -> Decimal:
        return Decimal(self.cost_micros) / MICROS
