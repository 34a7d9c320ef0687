from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

ALLOWED_SECONDS = (4, 8, 12)


class SoraModel(models.Model):
    """The model registry: what the studio offers, at what price, and which server serves it.

    Seeded from videos/sora/catalog.py; an admin can add models served by another compatible server.
    """

    name = models.CharField(max_length=64, unique=True, help_text="The model id sent upstream, e.g. sora-2.")
    label = models.CharField(max_length=100, blank=True)
    # USD per second of video, by size: {"720x1280": "0.10", ...}. Its keys are the sizes the model allows.
    prices = models.JSONField(help_text='USD per second by size, e.g. {"720x1280": "0.10", "1280x720": "0.10"}')
    seconds = models.JSONField(default=list, help_text='Allowed durations, e.g. ["4", "8", "12"]')
    base_url = models.URLField(
        blank=True, help_text="Another server that serves the /v1/videos contract; empty: the studio's default."
    )
    api_key_env = models.CharField(
        max_length=64,
        blank=True,
        help_text="Name of the environment variable holding that server's API key (the key itself is never stored).",
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "model"

    def __str__(self) -> str:
        return self.name

    @property
    def sizes(self) -> list[str]:
        return list(self.prices)

    def price_per_second(self, size: str) -> Decimal:
        return Decimal(str(self.prices[size]))

    def cost(self, size: str, seconds: int) -> Decimal:
        return self.price_per_second(size) * int(seconds)


class Video(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a slot"
        SUBMITTING = "submitting", "Submitting"
        QUEUED = "queued", "Queued"
        IN_PROGRESS = "in_progress", "Rendering"
        ARCHIVING = "archiving", "Saving"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    IN_FLIGHT = (Status.SUBMITTING, Status.QUEUED, Status.IN_PROGRESS)
    UNFINISHED = (Status.PENDING, Status.SUBMITTING, Status.QUEUED, Status.IN_PROGRESS, Status.ARCHIVING)

    class Fit(models.TextChoices):
        COVER = "cover", "Fill the frame (crop)"
        CONTAIN = "contain", "Show the whole image (letterbox)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="videos")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="videos")
    prompt = models.TextField(max_length=32000)
    model = models.CharField(max_length=64)
    size = models.CharField(max_length=16)
    seconds = models.PositiveSmallIntegerField()
    input_reference = models.ImageField(upload_to="references/%Y/%m/", blank=True)
    input_fit = models.CharField(max_length=10, choices=Fit.choices, blank=True)
    remixed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    # A nonce from the form: a double-clicked submit finds the video the first click made.
    submit_token = models.UUIDField(null=True, blank=True, editable=False)

    # Upstream job state. Kept in our own table so any worker (or the reconciler) can resume any job.
    upstream_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Upstream create attempts so far.")
    # Whoever holds the lease is creating or archiving this job; an expired lease can be taken over.
    lease_until = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    upstream_expires_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    # Archived assets, in our own storage.
    video_file = models.FileField(upload_to="videos/%Y/%m/", blank=True)
    video_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    video_sha256 = models.CharField(max_length=64, blank=True)
    thumbnail_file = models.FileField(upload_to="thumbnails/%Y/%m/", blank=True)
    thumbnail_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    thumbnail_sha256 = models.CharField(max_length=64, blank=True)
    spritesheet_file = models.FileField(upload_to="spritesheets/%Y/%m/", blank=True)
    spritesheet_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    spritesheet_sha256 = models.CharField(max_length=64, blank=True)

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
            models.Index(fields=["project", "-created_at"], name="videos_project_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt[:40]} ({self.get_status_display()})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.COMPLETED and bool(self.video_file)

    def remix_deadline(self) -> datetime:
        return self.created_at + timedelta(hours=settings.REMIX_WINDOW_HOURS)

    def is_remixable(self, now: datetime) -> bool:
        return self.status == self.Status.COMPLETED and now < self.remix_deadline()


class WebhookEvent(models.Model):
    """Every accepted webhook delivery, by its webhook-id: a retried delivery is recognised and ignored."""

    webhook_id = models.CharField(max_length=100, unique=True)
    event_type = models.CharField(max_length=50)
    upstream_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.upstream_id}"


class Lease(models.Model):
    """A named lease held until a time: one poller loop at a time across all workers and machines."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} until {self.until}"
