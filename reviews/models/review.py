"""Review (issue #15, part 1): comments on a video or a final cut, optionally pinned to a timecode, and a video's
review state with its history, under a per-project review policy."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReviewState(models.TextChoices):
    NONE = "none", "Not reviewed"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class ReviewPolicy(models.Model):
    """A project's review rules, changed by its owners. Without a row, the defaults apply (owners approve)."""

    project = models.OneToOneField("accounts.Project", on_delete=models.CASCADE, related_name="review_policy")
    editors_may_approve = models.BooleanField(
        default=False, help_text="Editors may approve videos too (otherwise only owners approve)."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review policies"

    def __str__(self) -> str:
        return f"Review policy of project {self.project_id}"


class VideoReview(models.Model):
    """A video's current review state (one row per reviewed video; none means "not reviewed"). Galleries join it
    (`review__state`) to mark and filter approved takes without a query per card."""

    video = models.OneToOneField("videos.Video", on_delete=models.CASCADE, related_name="review")
    state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.NONE)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ReviewState]), name="reviews_videoreview_state_valid"
            ),
        ]
        # The gallery's review filter: the videos in one state (joined from the videos of the page).
        indexes = [models.Index(fields=["state"], name="reviews_videoreview_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} (video {self.video_id})"


class ReviewChange(models.Model):
    """One change of a video's review state: the history shown on the video page."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="review_changes")
    old = models.CharField(max_length=20, choices=ReviewState.choices)
    new = models.CharField(max_length=20, choices=ReviewState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the account goes
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new__in=[s.value for s in ReviewState]) & Q(old__in=[s.value for s in ReviewState]),
                name="reviews_reviewchange_states_valid",
            ),
            models.CheckConstraint(condition=~Q(old=models.F("new")), name="reviews_reviewchange_is_a_change"),
        ]
        # The video page's history: a video's latest changes.
        indexes = [models.Index(fields=["video", "-created_at"], name="reviews_change_video_time")]

    def __str__(self) -> str:
        return f"{self.old} -> {self.new} (video {self.video_id})"


class Comment(models.Model):
    """A member's comment on a video or on a final cut, optionally pinned to a timecode (seconds from the start).

    `mentions` are the usernames of the project's members named with @username when it was posted (a name that was
    not a member's stays plain text)."""

    MAX_LENGTH = 5000

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="review_comments"
    )
    cut = models.ForeignKey(
        "storyboards.FinalCut", null=True, blank=True, on_delete=models.CASCADE, related_name="review_comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_comments"
    )
    body = models.TextField(max_length=MAX_LENGTH)
    timecode = models.FloatField(null=True, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(video__isnull=False, cut__isnull=True) | Q(video__isnull=True, cut__isnull=False),
                name="reviews_comment_on_video_or_cut",
            ),
            models.CheckConstraint(
                condition=Q(timecode__isnull=True) | Q(timecode__gte=0), name="reviews_comment_timecode_not_negative"
            ),
        ]
        # The video (or cut) page's comments, oldest first.
        indexes = [
            models.Index(fields=["video", "created_at"], name="reviews_comment_video_time"),
            models.Index(fields=["cut", "created_at"], name="reviews_comment_cut_time"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.public_id}"
