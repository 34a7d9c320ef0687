"""Storyboards: an ordered list of shots sharing one size; each shot keeps every take (a video made for it, or an
edit/extension of one of its takes made from the storyboard page) and one chosen take; a final cut stitches the
chosen takes, in order, into one MP4 kept as assets (numbered versions per storyboard).

A shot may have up to two characters of its project's cast (`Shot.characters`); every take generated for it carries
them (its prompt is the shot's, unchanged), and a take's edits and extensions show the same cast (the videos side).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_SHOTS = 60
MAX_CROSSFADE_MS = 1000
STALLED_AFTER = timedelta(minutes=15)  # a cut waiting this long for a worker is shown as stalled


class Storyboard(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="storyboards")
    title = models.CharField(max_length=200)
    # Every shot's takes are made at this size: a cut needs one frame size.
    size = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["project", "-updated_at"], name="storyboards_project_recent_idx")]

    def __str__(self) -> str:
        return self.title


class Shot(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storyboard = models.ForeignKey(Storyboard, on_delete=models.CASCADE, related_name="shots")
    # 1, 2, 3... in the board's order; services.shots_reorder rewrites them in one transaction.
    position = models.PositiveIntegerField()
    prompt = models.TextField(max_length=32000)
    # The model as the create form names it (`provider-slug:model-name`), checked against the registry on submit.
    model = models.CharField(max_length=300)
    seconds = models.PositiveSmallIntegerField()
    # Up to two characters of the board's project (storyboards.services checks it): a character deleted from the
    # cast simply drops out of the shot.
    characters = models.ManyToManyField("characters.Character", blank=True, related_name="shots")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["storyboard_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["storyboard", "position"], name="storyboards_shot_one_per_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="storyboards_shot_position_positive"),
            models.CheckConstraint(
                condition=Q(seconds__gte=1, seconds__lte=120), name="storyboards_shot_seconds_allowed"
            ),
        ]

    def __str__(self) -> str:
        return f"Shot {self.position}: {self.prompt[:40]}"


class Take(models.Model):
    """A video made for a shot. The video may be deleted later (the take then says so, and cannot be cut)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="takes")
    number = models.PositiveIntegerField()  # 1, 2, 3... per shot, never reused
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="takes")
    # The take this one was edited or extended from (from the storyboard page); the video's own lineage says the same.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    is_chosen = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shot_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shot", "number"], name="storyboards_take_number_per_shot"),
            models.UniqueConstraint(
                fields=["shot"], condition=Q(is_chosen=True), name="storyboards_take_one_chosen_per_shot"
            ),
            models.UniqueConstraint(
                fields=["shot", "video"], condition=Q(video__isnull=False), name="storyboards_take_video_once_per_shot"
            ),
        ]

    def __str__(self) -> str:
        return f"Take {self.number} of shot {self.shot_id}"

    @property
    def is_gone(self) -> bool:
        """Its video was deleted (the row, or a tombstone kept for its remixes)."""
        return self.video_id is None or self.video.deleted_at is not None


class FinalCut(models.Model):
    """One version of a storyboard's cut: the chosen takes (as they were when it was asked for) stitched in order."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Stitching"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    UNFINISHED = (Status.PENDING, Status.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storyboard = models.ForeignKey(Storyboard, on_delete=models.CASCADE, related_name="cuts")
    number = models.PositiveIntegerField()  # version 1, 2, 3... per storyboard
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    crossfade_ms = models.PositiveSmallIntegerField(default=0)
    # What it stitches, fixed when asked for: [{"shot": n, "shot_id": uuid, "prompt", "take": n, "take_id": uuid,
    # "video_id": uuid}, ...]; on completion each entry also has "start" and "end" (seconds in the cut).
    entries = models.JSONField(default=list)
    # A worker holds the cut until this time while it stitches; an expired hold can be taken over.
    held_until = models.DateTimeField(null=True, blank=True)
    video = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thumbnail = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    spritesheet = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    has_audio = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["storyboard_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["storyboard", "number"], name="storyboards_finalcut_number_per_board"),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="storyboards_finalcut_progress_0_100"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "completed", "failed"]),
                name="storyboards_finalcut_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(crossfade_ms__lte=MAX_CROSSFADE_MS), name="storyboards_finalcut_crossfade_allowed"
            ),
        ]
        indexes = [
            # The task's claim: "cuts waiting or held by a worker".
            models.Index(fields=["held_until"], name="storyboards_cut_unfinished_idx",
                         condition=Q(status__in=["pending", "running"])),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Cut {self.number} of storyboard {self.storyboard_id} ({self.get_status_display()})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    def is_stalled(self, now) -> bool:
        """Unfinished, but no worker has held it for a while (its worker died, or its task was lost): a new cut is
        the way on. (A redelivered task takes it over by itself.)"""
        if self.status == self.Status.RUNNING:
            return self.held_until is not None and self.held_until < now
        return self.status == self.Status.PENDING and self.created_at < now - STALLED_AFTER
