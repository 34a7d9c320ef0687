"""Writes for stored files. A file in storage is removed only when no asset row points at it any more (a retried
video shares its reference image with the failed one it retries).

Two ways in: ``asset_store`` keeps a file the caller already has (an upload, a picture made here), and
``asset_stream`` lets a download go straight into its place in storage as its bytes arrive (no second copy on
local disk), with its first bytes checked before anything is written and nothing left behind when it fails.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from assets.models import TYPES, Asset, asset_path

HEAD_BYTES = 16  # as many first bytes as assets.media.sniff() needs
log = logging.getLogger(__name__)


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
    _clear_leftover(default_storage, name)
    asset.file.name = default_storage.save(name, File(content, name=name))
    return _keep(asset)


def _clear_leftover(storage, name: str) -> None:
    """A file at the name a video's asset is about to take, that no row names, is what an attempt left that died
    between storing the file and saving its row (a killed worker): removed, so the new file takes its name and
    storage holds only files the rows name (rather than the leftover beside a suffixed copy)."""
    if storage.exists(name) and not Asset.objects.filter(file=name).exists():
        log.warning("removing %s: a file no asset names, left by an attempt that did not finish", name)
        storage.delete(name)


def _keep(asset: Asset) -> Asset:
    """Save the row of a file now in storage, in place of the video's row of that kind (whose file goes after
    commit); if the row cannot be saved, the file is removed."""
    try:
        with transaction.atomic():
            old = list(Asset.objects.filter(video=asset.video, kind=asset.kind).values_list("file", flat=True))
            Asset.objects.filter(video=asset.video, kind=asset.kind).delete()
            asset.save()
    except Exception:
        default_storage.delete(asset.file.name)
        raise
    delete_files_later(old)
    return asset


# ---------------------------------------------------------------------------------------------------------------
# Streaming a download straight into storage
# ---------------------------------------------------------------------------------------------------------------
class _LocalWriter:
    """Writes the new file in place in a FileSystemStorage (created exclusively: never over another file)."""

    def __init__(self, storage: FileSystemStorage, name: str) -> None:
        self.storage = storage
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            except FileExistsError:
                name = storage.get_available_name(name)
                path = storage.path(name)
            else:
                break
        self.name, self.path = name, path
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def commit(self) -> None:
        self._file.close()
        if self.storage.file_permissions_mode is not None:
            os.chmod(self.path, self.storage.file_permissions_mode)

    def abort(self) -> None:
        self._file.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class _SpooledWriter:
    """Any other storage: a temporary file, saved into storage on commit."""

    def __init__(self, storage, name: str) -> None:
        self.storage, self.name = storage, name
        self._file = tempfile.TemporaryFile()

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def commit(self) -> None:
        self._file.seek(0)
        self.name = self.storage.save(self.name, File(self._file, name=self.name))
        self._file.close()

    def abort(self) -> None:
        self._file.close()


class AssetStream:
    """A writable file object whose bytes go straight into storage, as the new asset of a video.

    The first HEAD_BYTES are held back until ``check_head`` (if given) has accepted them: a download that is not
    what it must be is refused before anything is written. ``commit()`` completes the stored file (it can then be
    read back with ``open()``); ``keep()`` saves its row. Used through ``asset_stream``, which removes the file (or
    the part of it written so far) if the block fails."""

    def __init__(self, *, asset: Asset, name: str, check_head: Callable[[bytes], None] | None) -> None:
        self.asset, self._wanted_name, self._check_head = asset, name, check_head
        self.head = b""
        self.bytes = 0
        self._writer = None
        self._committed = False
        self._kept = False

    # -- the file object a download writes into ------------------------------------------------------------------
    def write(self, data: bytes) -> int:
        if self._committed:
            raise ValueError("the stored file is complete already")
        self.bytes += len(data)
        if self._writer is not None:
            self._writer.write(data)
        elif len(self.head) + len(data) < HEAD_BYTES:
            self.head += data  # held back until the head is complete
        else:
            pending = self.head + data
            self.head = pending[:HEAD_BYTES]
            self._start()
            self._writer.write(pending)
        return len(data)

    def _start(self) -> None:
        if self._check_head is not None:
            self._check_head(self.head[:HEAD_BYTES])
        storage = default_storage
        _clear_leftover(storage, self._wanted_name)
        name = storage.get_available_name(self._wanted_name, max_length=Asset._meta.get_field("file").max_length)
        content_type = self.asset.content_type
        if hasattr(storage, "writer"):
            self._writer = storage.writer(name, content_type=content_type)  # assets/s3.py: multipart as it comes
        elif isinstance(storage, FileSystemStorage):
            self._writer = _LocalWriter(storage, name)
        else:
            self._writer = _SpooledWriter(storage, name)

    # -- after the download ---------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Complete the stored file with what was written (a download shorter than HEAD_BYTES is checked here)."""
        if self._committed:
            return
        if self._writer is None:
            self._start()
            self._writer.write(self.head)
        self._writer.commit()
        self.asset.file.name = self._writer.name
        self._committed = True

    def open(self) -> IO[bytes]:
        """The stored file, opened for reading (commit() first)."""
        if not self._committed:
            raise ValueError("commit() the stored file before reading it")
        return default_storage.open(self.asset.file.name, "rb")

    def keep(self, *, size: int | None = None, sha256: str | None = None) -> Asset:
        """Save the asset's row (size and checksum as the caller counted them, e.g. the download client)."""
        self.commit()
        self.asset.bytes = self.bytes if size is None else size
        if sha256 is None:
            digest = hashlib.sha256()
            with self.open() as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            sha256 = digest.hexdigest()
        self.asset.sha256 = sha256
        asset = _keep(self.asset)
        self._kept = True
        return asset

    def discard(self) -> None:
        """Remove what was stored or uploaded so far (nothing stays in storage)."""
        if self._kept:
            return
        if self._committed:
            default_storage.delete(self.asset.file.name)
        elif self._writer is not None:
            self._writer.abort()


@contextmanager
def asset_stream(
    *, video, kind: str, origin: str, provider=None, check_head: Callable[[bytes], None] | None = None
) -> Iterator[AssetStream]:
    """A writable stream into storage for the video's new asset of `kind`; see AssetStream. Whatever the block
    raises, nothing it wrote stays in storage (the old asset of that kind, if any, is untouched until keep())."""
    content_type, extension = TYPES[kind]
    asset = Asset(video=video, kind=kind, content_type=content_type, origin=origin, provider=provider)
    stream = AssetStream(asset=asset, name=asset_path(asset, f"{video.public_id}.{extension}"), check_head=check_head)
    try:
        yield stream
    except BaseException:
        stream.discard()
        raise
    if not stream._kept:
        stream.discard()


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


def asset_store_unattached(
    *, kind: str, content: IO[bytes], origin: str, stem: str, folder: str | None = None
) -> Asset:
    """Save `content` as a new asset that belongs to no video (a final cut's files, a character's clip and
    thumbnail), named `<stem>.<ext>` in `folder/<year>/<month>/` (by default its kind's folder). Never replaces
    another row; if the row cannot be saved, the file is removed."""
    digest, count = hashlib.sha256(), 0
    for chunk in iter(lambda: content.read(1024 * 1024), b""):
        digest.update(chunk)
        count += len(chunk)
    content.seek(0)
    content_type, extension = TYPES[kind]
    asset = Asset(video=None, kind=kind, content_type=content_type, bytes=count, sha256=digest.hexdigest(),
                  origin=origin)  # fmt: skip
    if folder is None:
        name = asset_path(asset, f"{stem}.{extension}")
    else:
        from django.utils import timezone

        name = f"{folder}/{timezone.now():%Y/%m}/{stem}.{extension}"
    asset.file.name = default_storage.save(name, File(content, name=name))
    try:
        asset.save()
    except Exception:
        default_storage.delete(asset.file.name)
        raise
    return asset


def assets_delete_unattached(assets) -> None:
    """Remove these assets that belong to no video (rows now, files after commit)."""
    assets = [a for a in assets if a is not None and a.video_id is None]
    names = [a.file.name for a in assets]
    Asset.objects.filter(id__in=[a.id for a in assets]).delete()
    delete_files_later(names)
