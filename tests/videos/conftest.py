from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image


@pytest.fixture
def make_video(db):
    """A video row in a given state (no upstream call): make_video(project, owner, status="completed", ...)."""
    from videos.models import Video

    def make(project, owner, **fields):
        fields.setdefault("prompt", "Wide shot of a red kite over a park at golden hour")
        fields.setdefault("model", "sora-2")
        fields.setdefault("size", "1280x720")
        fields.setdefault("seconds", 4)
        fields.setdefault("status", Video.Status.COMPLETED)
        if fields["status"] == Video.Status.COMPLETED:
            fields.setdefault("progress", 100)
        files = {k: fields.pop(k) for k in ("video_file", "thumbnail_file", "spritesheet_file") if k in fields}
        video = Video.objects.create(project=project, owner=owner, **fields)
        for name, content in files.items():
            getattr(video, name).save(f"{video.public_id}-{name}", ContentFile(content), save=False)
        if files:
            video.save()
        return video

    return make


def image_bytes(fmt: str = "PNG", size=(64, 36), color=(200, 40, 40), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 1).save(out, format=fmt)
    return out.getvalue()
