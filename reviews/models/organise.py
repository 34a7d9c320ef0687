"""Organising videos (issue #15, part 2): a member's favourites, a project's tags, and a video's title.

- A favourite is one member's star on one video (private to that member).
- A tag belongs to a project: its name as typed (trimmed, at most 50 characters) and its key (the name folded to
  lower case), unique per project, so "Sunset" and "sunset" are one tag. A video carries at most 20 tags.
- A title renames a video on its cards and its page; the prompt stays the record. No row: no title.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

TAG_MAX_LENGTH = 50
TAGS_PER_VIDEO = 20
TITLE_MAX_LENGTH = 200


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="reviews_favourite_one_per_user_video")]
        indexes = [
            # "My favourites among these videos" / "only my favourites": by user, then video.
            models.Index(fields=["user", "-created_at"], name="reviews_favourite_user_idx"),
        ]

    def __str__(self) -> str:
        return f"favourite {self.user_id} → {self.video_id}"


class Tag(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX_LENGTH)
    # The name folded to lower case: what makes two names one tag (case-insensitive unique per project).
    key = models.CharField(max_length=TAG_MAX_LENGTH * 3, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="reviews_tag_unique_per_project"),
            models.CheckConstraint(condition=~Q(key=""), name="reviews_tag_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class VideoTag(models.Model):
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="organise_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="video_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "tag"], name="reviews_videotag_once_per_video")]
        indexes = [
            # The tag filter: "videos carrying this tag" (tag_id, video_id).
            models.Index(fields=["tag", "video"], name="reviews_videotag_tag_idx"),
        ]

    def __str__(self) -> str:
        return f"tag {self.tag_id} on {self.video_id}"


class VideoTitle(models.Model):
    video = models.OneToOneField("videos.Video", on_delete=models.CASCADE, related_name="organise_title")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="reviews_videotitle_not_empty")]

    def __str__(self) -> str:
        return self.title
