"""A file a dead attempt left at an asset's name (stored, but its row never saved: a worker killed in between) is
replaced by the next attempt's file under the same name, so storage holds only files that rows name."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assets.models import Asset, asset_path
from assets.services import asset_store, asset_stream

pytestmark = pytest.mark.django_db


def _leftover(video, kind: str, extension: str) -> str:
    name = asset_path(Asset(video=video, kind=kind), f"{video.public_id}.{extension}")
    return default_storage.save(name, ContentFile(b"half of what a dead worker wrote"))


def test_a_streamed_download_takes_the_name_a_dead_attempt_left(alice, project, make_video):
    video = make_video(project, alice, status="archiving")
    left = _leftover(video, "video", "mp4")

    with asset_stream(video=video, kind="video", origin="provider") as stream:
        stream.write(b"\x00\x00\x00\x18ftypmp42" + b"x" * 100)
        asset = stream.keep()

    assert asset.file.name == left  # the same name, no suffixed copy beside the leftover
    with default_storage.open(left, "rb") as fh:
        assert fh.read().startswith(b"\x00\x00\x00\x18ftyp")


def test_a_kept_file_takes_the_name_a_dead_attempt_left(alice, project, make_video):
    video = make_video(project, alice)
    left = _leftover(video, "thumbnail", "webp")

    asset = asset_store(video=video, kind="thumbnail", content=io.BytesIO(b"RIFF....WEBPVP8 "), origin="studio")

    assert asset.file.name == left
    with default_storage.open(left, "rb") as fh:
        assert fh.read() == b"RIFF....WEBPVP8 "


def test_a_file_a_row_names_is_never_taken(alice, project, make_video):
    first = make_video(project, alice, thumbnail=b"RIFF....WEBPVP8 one")
    kept = first.assets.get(kind="thumbnail").file.name

    again = asset_store(video=first, kind="thumbnail", content=io.BytesIO(b"RIFF....WEBPVP8 two"), origin="studio")

    assert again.file.name != kept  # a new name; the old file goes once its row is replaced (after commit)
