"""Stored files as assets: every file the studio keeps (an archived MP4, a thumbnail, a spritesheet, a reference
image, and later final cuts and character clips) is one row: its kind, where it lives in storage, its size and
checksum, and where it came from (downloaded from a provider, made by the studio, or uploaded by a member).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

# MIME type and file extension of each kind (the contract's content variants, contract 3.5, and the reference image,
# which the studio stores fitted as PNG).
TYPES = {
    "video": ("video/mp4", "mp4"),
    "thumbnail": ("image/webp", "webp"),
    "spritesheet": ("image/jpeg", "jpg"),
    "reference": ("image/png", "png"),
}


def asset_path(asset: Asset, filename: str) -> str:
    from django.utils import timezone

    folder = {"video": "videos", "thumbnail": "thumbnails", "spritesheet": "spritesheets", "reference": "references"}
    return f"{folder.get(asset.kind, 'assets')}/{timezone.now():%Y/%m}/{filename}"


class Asset(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", "Video (MP4)"
        THUMBNAIL = "thumbnail", "Thumbnail"
        SPRITESHEET = "spritesheet", "Spritesheet"
        REFERENCE = "reference", "Reference image"

    class Origin(models.TextChoices):
        PROVIDER = "provider", "Downloaded from the provider"
        STUDIO = "studio", "Made by the studio"
        UPLOAD = "upload", "Uploaded by a member"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=asset_path, max_length=300)
    content_type = models.CharField(max_length=100)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    provider = models.ForeignKey("providers.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "kind"], condition=Q(video__isnull=False), name="assets_asset_one_kind_per_video"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=["provider", "studio", "upload"]), name="assets_asset_origin_valid"
            ),
        ]
        indexes = [
            # "Is any other row still using this stored file?" before a file is removed from storage.
            models.Index(fields=["file"], name="assets_asset_file_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"

    @property
    def extension(self) -> str:
        return TYPES.get(self.kind, ("", "bin"))[1]
