from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.actors import ActorKind

# A video's length: what providers make (the contract's 4/8/12, open models' any whole seconds) and what extensions
# stitch (up to 120 s in all, contract 3.7).
MAX_SECONDS = 120


STEP_NOUNS = {"remix": "remix", "edit": "edit", "extend": "extension", "stitch": "final cut"}


class Video(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a slot"
        SUBMITTING = "submitting", "Submitting"
        QUEUED = "queued", "Queued"
        IN_PROGRESS = "in_progress", "Rendering"
        ARCHIVING = "archiving", "Saving"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    RENDERING = (Status.QUEUED, Status.IN_PROGRESS)  # known upstream and followed by the poller
    IN_FLIGHT = (Status.SUBMITTING, *RENDERING)
    UNFINISHED = (Status.PENDING, Status.SUBMITTING, Status.QUEUED, Status.IN_PROGRESS, Status.ARCHIVING)
    # A member may cancel a job that waits or renders (not one being sent, nor one being saved).
    CANCELLABLE = (Status.PENDING, Status.QUEUED, Status.IN_PROGRESS)
    ENDED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
    # Deletable: nothing is being made or saved upstream (videos/lifecycle.py claims the row for it).
    DELETABLE = (Status.PENDING, *ENDED)

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
    # A create whose outcome is unknown (no answer, or a 5xx that may have made the job) since this time: the studio
    # looks for the job upstream for a bounded while, then fails it with a refund (SORA_UNKNOWN_OUTCOME_SECONDS).
    outcome_unknown_since = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(seconds__gte=1, seconds__lte=MAX_SECONDS), name="videos_video_seconds_allowed"
            ),
            models.CheckConstraint(condition=~Q(remixed_from=F("id")), name="videos_video_not_own_parent"),
            models.CheckConstraint(condition=Q(
                    status__in=["pending", "submitting", "queued", "in_progress", "archiving", "completed", "failed",
                                "cancelled"]
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
            # The galleries' other orders, walked from their first page on (keyset pages: "after this video").
            models.Index(fields=["-estimated_cost", "-created_at", "-id"], name="videos_by_cost_idx"),
            models.Index(fields=["-seconds", "-created_at", "-id"], name="videos_by_length_idx"),
            # The family tree: "the remixes of these videos" (the plain FK index is all NULLs to a planner's
            # statistics, so SQLite walked the project's videos instead).
            models.Index(
                fields=["remixed_from", "created_at"], name="videos_remixes_idx", condition=Q(remixed_from__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt[:40]} ({self.get_status_display()})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    @property
    def is_deletable(self) -> bool:
        return self.status in self.DELETABLE and not self.is_deleted

    @property
    def is_cancellable(self) -> bool:
        return self.status in self.CANCELLABLE and not self.is_deleted

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

    @property
    def step_noun(self) -> str:
        """What this video is to its parent, in words: "remix", "edit", "extension" or "final cut"."""
        return STEP_NOUNS.get(self.operation, "remix" if self.remixed_from_id else "video")

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
