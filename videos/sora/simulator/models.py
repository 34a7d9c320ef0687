"""The simulator's state, in the database so the web server and every worker process see the same jobs.

Transitions are conditional UPDATEs (rowcount 0/1), which are safe on SQLite (WAL + IMMEDIATE) and PostgreSQL
alike (ECOSYSTEM 7.1). API keys are stored only as SHA-256 hex digests.

A job belongs to the profile it was created under (profiles.py) and is known there by ``id`` (that server's id
format, up to MAX_ID_LENGTH characters); ``upstream_id`` is the simulator's own contract-style id for it (its media
folder, and what a relay or proxy reports as the raw upstream id).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

MAX_ID_LENGTH = 2000  # the longest id any profile hands out (longids: ~1,200 characters)


class SimApiKey(models.Model):
    """One row per API key seen; locked while a create checks the key's in-flight limit."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key {self.key_hash[:12]}…"


class SimVideo(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        FAILED = "failed"

    class Kind(models.TextChoices):
        CREATE = "create"
        REMIX = "remix"
        EDIT = "edit"
        EXTENSION = "extension"

    PENDING = (Status.QUEUED, Status.IN_PROGRESS)

    # seq orders jobs exactly as they were created (ids only carry the second).
    seq = models.BigAutoField(primary_key=True)
    id = models.CharField(max_length=MAX_ID_LENGTH, unique=True)
    upstream_id = models.CharField(max_length=64, blank=True, default="")
    profile = models.CharField(max_length=20, default="openai")
    key_hash = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CREATE)
    model = models.CharField(max_length=200)
    size = models.CharField(max_length=16)
    seconds = models.CharField(max_length=8)
    prompt = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.BigIntegerField()  # unix seconds, as in the contract
    created = models.FloatField()  # unix seconds with fractions: the render clock starts here
    render_seconds = models.FloatField()  # SIM_RENDER_SECONDS when the job was created
    completed_at = models.BigIntegerField(null=True, blank=True)
    expires_at = models.BigIntegerField(null=True, blank=True)
    remixed_from_video_id = models.CharField(max_length=MAX_ID_LENGTH, null=True, blank=True)
    source_video_id = models.CharField(max_length=MAX_ID_LENGTH, null=True, blank=True)  # edits and extensions
    palette_seed = models.CharField(max_length=20)  # from the root ancestor's prompt
    # A failure decided at create time (moderation, injected): applied halfway through the render time.
    fail_code = models.CharField(max_length=64, blank=True, default="")
    fail_message = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    media_dir = models.CharField(max_length=500)
    has_reference = models.BooleanField(default=False)
    # Rendering: who holds the job (lease), how far it got, whether the files are complete.
    render_progress = models.PositiveSmallIntegerField(default=0)
    render_started = models.FloatField(null=True, blank=True)
    media_ready = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=40, blank=True, default="")
    lease_until = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "simulator video"
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="simulator_simvideo_progress_range"),
            models.CheckConstraint(
                condition=Q(render_progress__gte=0, render_progress__lte=100),
                name="simulator_simvideo_render_progress_range",
            ),
        ]
        indexes = [
            # list: WHERE key_hash = ? AND profile = ? ORDER BY seq
            models.Index(fields=["key_hash", "profile", "seq"], name="simulator_video_key_prof_seq"),
            # in-flight count per key and lazy recovery of unfinished jobs
            models.Index(
                fields=["key_hash"],
                name="simulator_video_pending",
                condition=Q(status__in=["queued", "in_progress"]),
            ),
        ]

    def __str__(self) -> str:
        short = self.id if len(self.id) <= 60 else f"{self.id[:57]}..."
        return f"{short} ({self.profile}, {self.status})"


class SimCharacter(models.Model):
    id = models.CharField(max_length=64, primary_key=True)
    key_hash = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=80)
    created_at = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class SimFault(models.Model):
    """A one-shot fault, consumed in order (lowest id first) by the first matching request."""

    class Kind(models.TextChoices):
        STATUS = "status"  # answer `status` (429/500/503 ...) with the envelope and retry headers
        DELAY = "delay"  # sleep `delay_seconds`, then answer normally
        CUTOFF = "cutoff"  # announce the full Content-Length, send half the body, drop the connection
        FAIL_JOB = "fail_job"  # the next job created fails later with error code `code`

    kind = models.CharField(max_length=16, choices=Kind.choices)
    method = models.CharField(max_length=8, blank=True, default="")  # "" = any
    path = models.CharField(max_length=200, blank=True, default="")  # regex searched in the path after /v1/
    status = models.PositiveSmallIntegerField(default=500)
    retry_after = models.CharField(max_length=20, blank=True, default="")
    retry_after_ms = models.CharField(max_length=20, blank=True, default="")
    delay_seconds = models.FloatField(default=0.0)
    code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "simulator fault"

    def __str__(self) -> str:
        return f"fault {self.kind} {self.method or '*'} {self.path or '*'}"


class SimWebhookDelivery(models.Model):
    """One event to deliver; every attempt keeps `webhook_id` and signs with a fresh timestamp."""

    webhook_id = models.CharField(max_length=40, unique=True)
    event_id = models.CharField(max_length=64)
    video_id = models.CharField(max_length=MAX_ID_LENGTH, db_index=True)
    url = models.CharField(max_length=500)
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.FloatField(default=0.0)
    last_status = models.IntegerField(null=True, blank=True)
    delivered_at = models.FloatField(null=True, blank=True)
    gave_up = models.BooleanField(default=False)
    lease_until = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "simulator webhook delivery"
        verbose_name_plural = "simulator webhook deliveries"

    def __str__(self) -> str:
        return f"{self.webhook_id} for {self.video_id} ({self.attempts} attempts)"
