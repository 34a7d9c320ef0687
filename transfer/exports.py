"""A project as one zip (a read: nothing changes), streamed so memory stays flat whatever the project's size.

The archive holds `project.json` (schema below) and, under `videos/<video id>/`, each exported video's files as the
studio keeps them: video.mp4, thumbnail.webp, spritesheet.jpg, reference.png. Files are stored (not deflated:
MP4s and pictures do not compress) and written entry by entry as they are read from storage: `export_stream()`
yields the zip's bytes a chunk at a time (zipfile on a write-only sink, with data descriptors), so a 10 GB project
needs no more memory than a 1 MB one, and the first bytes leave before the last file is read.

Exported: every completed video of the project (archived, or a deleted video kept as a tombstone because it has
remixes, which keeps the family tree's shape). Waiting, failed and cancelled videos are not (they have no files);
project.json counts them under "skipped".

project.json (schema_version 1):
    {"format": "sora-studio-project", "schema_version": 1, "exported_at": ISO, "skipped": n,
     "project": {"id", "name", "created_at", "owners": [username, ...]},
     "videos": [{"id", "parent_id" (an id in this file, or null), "operation", "prompt", "model", "size", "seconds",
                 "input_fit", "provider": {"slug", "name"}, "estimated_cost" (USD, a string), "owner", "created_by",
                 "created_via", "created_at", "submitted_at", "completed_at", "archived_at", "deleted_at",
                 "files": [{"kind", "path", "bytes", "sha256", "content_type", "origin"}]}, ...]}
    Parents come before their children.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import Membership, Project
from assets import zipstream
from assets.models import TYPES, Asset
from assets.zipstream import ZipSink
from videos.models import Video

FORMAT = "sora-studio-project"
SCHEMA_VERSION = 1
MANIFEST = "project.json"
CHUNK = 1 << 20


class ExportRefused(Exception):
    """The project cannot be exported as it is (e.g. a file its rows list is missing from storage); the message says
    why. Raised before the first byte is streamed."""


def file_path(video_id: str, kind: str) -> str:
    return f"videos/{video_id}/{kind}.{TYPES[kind][1]}"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class Plan:
    """What an export writes: the manifest, and the stored files in order."""

    manifest: dict
    files: list[tuple[str, Asset]]

    @property
    def total_bytes(self) -> int:
        return sum(asset.bytes or 0 for _, asset in self.files)


def _in_lineage_order(videos: list[Video]) -> list[Video]:
    by_id = {v.id: v for v in videos}
    ordered, seen = [], set()

    def visit(video: Video, trail: frozenset = frozenset()) -> None:
        if video.id in seen or video.id in trail:
            return
        parent = by_id.get(video.remixed_from_id)
        if parent is not None:
            visit(parent, trail | {video.id})
        seen.add(video.id)
        ordered.append(video)

    for video in sorted(videos, key=lambda v: (v.created_at, v.id)):
        visit(video)
    return ordered


def export_plan(project: Project) -> Plan:
    everything = Video.objects.filter(project=project)
    videos = list(
        everything.filter(status=Video.Status.COMPLETED)
        .select_related("provider", "owner", "created_by")
        .prefetch_related("assets")
    )
    exported = {v.id for v in videos}
    entries, files = [], []
    for video in _in_lineage_order(videos):
        vid = str(video.public_id)
        listed = []
        for asset in sorted(video.assets.all(), key=lambda a: a.kind):
            if asset.kind not in TYPES or video.deleted_at:
                continue
            path = file_path(vid, asset.kind)
            listed.append({"kind": asset.kind, "path": path, "bytes": asset.bytes, "sha256": asset.sha256,
                           "content_type": asset.content_type, "origin": asset.origin})  # fmt: skip
            files.append((path, asset))
        parent = video.remixed_from
        entries.append({
            "id": vid,
            "parent_id": str(parent.public_id) if parent is not None and parent.id in exported else None,
            "operation": video.operation, "prompt": video.prompt, "model": video.model, "size": video.size,
            "seconds": video.seconds, "input_fit": video.input_fit,
            "provider": {"slug": video.provider.slug, "name": video.provider.name},
            "estimated_cost": str(video.estimated_cost), "owner": video.owner.username,
            "created_by": video.created_by.username if video.created_by else None, "created_via": video.created_via,
            "created_at": _when(video.created_at), "submitted_at": _when(video.submitted_at),
            "completed_at": _when(video.completed_at), "archived_at": _when(video.archived_at),
            "deleted_at": _when(video.deleted_at), "files": listed,
        })  # fmt: skip
    owners = list(
        Membership.objects.filter(project=project, role=Membership.Role.OWNER)
        .order_by("created_at")
        .values_list("user__username", flat=True)
    )
    manifest = {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": timezone.now().isoformat(),
        "skipped": everything.count() - len(videos),
        "project": {"id": str(project.public_id), "name": project.name, "created_at": _when(project.created_at),
                    "owners": owners},
        "videos": entries,
    }  # fmt: skip
    _check_stored(files, videos)
    return Plan(manifest=manifest, files=files)


def _stored_size(asset: Asset) -> int | None:
    """The size of the asset's file in storage; None when it is not there (or cannot be read)."""
    name, storage = asset.file.name, asset.file.storage
    if not name:
        return None
    try:
        return storage.size(name) if storage.exists(name) else None
    except Exception:  # OSError on disk, botocore's ClientError on S3
        return None


def _check_stored(files: list[tuple[str, Asset]], videos: list[Video]) -> None:
    """Refuse the export, before anything is streamed, when a file it lists is missing from storage or is not the
    size its row says: the zip would otherwise break off half-way with status 200, or not import."""
    by_id = {v.id: v for v in videos}
    problems = []
    for _, asset in files:
        size = _stored_size(asset)
        if size is not None and (asset.bytes is None or size == asset.bytes):
            continue
        video = by_id[asset.video_id]
        what = f"video {video.public_id} (“{video.prompt[:40]}”): its {asset.kind} file ({asset.file.name or '?'})"
        problems.append(f"{what} is missing from storage" if size is None else
                        f"{what} holds {size:,} bytes in storage; its record says {asset.bytes:,}")  # fmt: skip
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ExportRefused(f"{'; '.join(problems[:3])}{more}. Restore the file(s) from a backup, or delete the "
                            "video(s), then export again.")  # fmt: skip


def export_stream(plan: Plan, *, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The zip's bytes, a chunk at a time, each file read from storage as it is written."""
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        info = zipstream.entry(MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(info, json.dumps(plan.manifest, indent=2, ensure_ascii=False).encode())
        yield sink.take()
        for path, asset in plan.files:
            info = zipstream.entry(path, asset.created_at)
            with asset.file.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                for chunk in iter(lambda: source.read(CHUNK), b""):
                    target.write(chunk)
                    if progress is not None:
                        progress(len(chunk))
                    data = sink.take()
                    if data:
                        yield data
            yield sink.take()
    yield sink.take()


def export_filename(project: Project) -> str:
    from django.utils.text import slugify

    return f"{slugify(project.name) or 'project'}-{timezone.now():%Y%m%d-%H%M}.zip"
