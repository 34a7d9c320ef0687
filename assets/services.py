"""Writes for stored files. A file in storage is removed only when no asset row points at it any more (a retried
video shares its reference image with the failed one it retries)."""

from __future__ import annotations

import hashlib
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from assets.models import TYPES, Asset, asset_path


def asset_store(
    *,
    video,
    kind: str,
    content: IO[bytes],
    origin: str,
    provider=None,
    size: int | None = None,
    sha256: str | None = None,
) -> Asset:
    """Save `content` (a readable file object, at its start) into storage as the video's asset of `kind`, replacing
    the row of that kind if there was one. Size and checksum are computed here unless the caller has them (the
    client counts and hashes a download while it streams)."""
    if size is None or sha256 is None:
        digest, count = hashlib.sha256(), 0
        for chunk in iter(lambda: content.read(1024 * 1024), b""):
            digest.update(chunk)
            count += len(chunk)
        content.seek(0)
        size, sha256 = count, digest.hexdigest()
    content_type, extension = TYPES[kind]
    asset = Asset(video=video, kind=kind, content_type=content_type, bytes=size, sha256=sha256, origin=origin,
                  provider=provider)  # fmt: skip
    name = asset_path(asset, f"{video.public_id}.{extension}")
    asset.file.name = default_storage.save(name, File(content, name=name))
    try:
        with transaction.atomic():
            old = list(Asset.objects.filter(video=video, kind=kind).values_list("file", flat=True))
            Asset.objects.filter(video=video, kind=kind).delete()
            asset.save()
    except Exception:
        default_storage.delete(asset.file.name)
        raise
    delete_files_later(old)
    return asset


def asset_link(*, video, kind: str, source: Asset) -> Asset:
    """Another video's row for the same stored file (no copy): e.g. the reference image of a retried video."""
    return Asset.objects.create(
        video=video, kind=kind, file=source.file.name, content_type=source.content_type, bytes=source.bytes,
        sha256=source.sha256, origin=source.origin, provider=source.provider,
    )  # fmt: skip


def delete_files_later(names) -> None:
    """After the current transaction commits: remove these files from storage, unless a row still uses one."""
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: _delete_unused(names))


def _delete_unused(names: list[str]) -> None:
    in_use = set(Asset.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names:
        if name not in in_use:
            default_storage.delete(name)


def assets_delete(video) -> None:
    """Remove every asset of a video (rows now, files after commit)."""
    names = list(Asset.objects.filter(video=video).values_list("file", flat=True))
    Asset.objects.filter(video=video).delete()
    delete_files_later(names)
