"""The project cast: characters made from a short clip, reusable in any video of their project.

A character's clip and thumbnail are assets of the studio (assets.Asset rows that belong to no video). Upstream,
a character is made once per provider, on the first video there that uses it (`CharacterUpload`, the provider's
`char_...` id). `Appearance` says who is in a video (at most two, contract 3.7).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

NAME_MAX_LENGTH = 80  # the contract's limit for a character's name
MAX_PER_VIDEO = 2  # contract 3.7


class Character(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="characters")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The clip (MP4) and its thumbnail (WebP), in the studio's storage.
    clip = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    thumbnail = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The video of the project whose clip it was made from (none for an uploaded clip).
    source_video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="characters_made"
    )
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    seconds = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "project", name="characters_character_name_unique_per_project"),
            models.CheckConstraint(condition=~Q(name=""), name="characters_character_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class CharacterUpload(models.Model):
    """A character as one provider knows it: made there once, on the first video there that uses it."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="uploads")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    upstream_id = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["character", "provider"], name="characters_characterupload_one_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character.name if self.character_id else '?'} on provider {self.provider_id}"


class Appearance(models.Model):
    """A character in a video (the video's cast, in the order it was picked)."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="appearances")
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="appearances")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["video_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["video", "character"], name="characters_appearance_once_per_video"),
            models.CheckConstraint(condition=Q(position__lt=MAX_PER_VIDEO), name="characters_appearance_at_most_two"),
        ]

    def __str__(self) -> str:
        return f"character {self.character_id} in video {self.video_id}"
