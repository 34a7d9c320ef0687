"""Writes for organising videos (issue #15, part 2): favourites, tags, titles, and the gallery's bulk actions.

Every write checks the actor's role in the video's project (accounts.access.require_actor_role): a favourite needs
any membership (it is the member's own), tags and titles need the editor role. Bad input is refused with a
ValidationError before anything is written. Bulk actions act on what the member may change and say what they
skipped and why; their videos come from organise_selectors.bulk_videos (only videos the member can see).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404

from accounts.access import Role, require_actor_role
from accounts.actors import Actor
from accounts.models import Membership
from assets import zipstream
from assets.zipstream import ZipSink
from audit import services as audit
from config.csvcells import csv_cell
from reviews.models.organise import (
    TAG_MAX_LENGTH,
    TAGS_PER_VIDEO,
    TITLE_MAX_LENGTH,
    Favourite,
    Tag,
    VideoTag,
    VideoTitle,
)
from reviews.organise_selectors import title_of
from videos.models import Video

SPACES = re.compile(r"\s+")
# Characters no name needs: control characters (a tab or a newline is folded into a space first).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------------------------
def tag_normalise(raw: str) -> tuple[str, str]:
    """(name, key) of a typed tag: trimmed, inner spaces folded to one; the key is the name in lower case (what
    makes two names one tag). A clear ValidationError for an empty, too long, or comma-holding name."""
    name = SPACES.sub(" ", raw or "").strip()
    if not name:
        raise ValidationError("A tag cannot be empty.", code="tag_empty")
    if len(name) > TAG_MAX_LENGTH:
        raise ValidationError(
            f"A tag is at most {TAG_MAX_LENGTH} characters; this one has {len(name):,}.", code="tag_too_long"
        )
    if "," in name:
        raise ValidationError("A tag cannot contain a comma (commas separate tags).", code="tag_comma")
    if CONTROL.search(name):
        raise ValidationError("A tag cannot contain control characters.", code="tag_control")
    return name, name.casefold()


def _tag_for(project, name: str, key: str, user) -> Tag:
    """The project's tag with this key, made when it is new (a concurrent maker's row is taken)."""
    tag = Tag.objects.filter(project=project, key=key).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(project=project, name=name, key=key, created_by=user)
    except IntegrityError:
        return Tag.objects.get(project=project, key=key)


def _add(video: Video, tag: Tag, user) -> bool:
    """Put `tag` on `video`; False when it is there already. Refused past TAGS_PER_VIDEO."""
    if VideoTag.objects.filter(video=video, tag=tag).exists():
        return False
    if VideoTag.objects.filter(video=video).count() >= TAGS_PER_VIDEO:
        raise ValidationError(f"A video carries at most {TAGS_PER_VIDEO} tags; remove one first.", code="tag_limit")
    try:
        with transaction.atomic():
            VideoTag.objects.create(video=video, tag=tag, added_by=user)
    except IntegrityError:
        return False  # added meanwhile (a double click)
    return True


@transaction.atomic
def tag_add(*, actor: Actor, video: Video, name: str) -> Tag:
    """Tag a video (editors and owners). The tag is made in the video's project when it is new."""
    require_actor_role(actor, video.project, Role.EDITOR)
    name, key = tag_normalise(name)
    Video.objects.select_for_update().filter(id=video.id).first()  # one tagger of a video at a time (the limit)
    tag = _tag_for(video.project, name, key, actor.user)
    _add(video, tag, actor.user)
    return tag


@transaction.atomic
def tag_remove(*, actor: Actor, video: Video, name: str) -> bool:
    """Take a tag off a video (editors and owners); False when it was not on it. The project keeps the tag (for the
    autocomplete) until no video carries it."""
    require_actor_role(actor, video.project, Role.EDITOR)
    try:
        _, key = tag_normalise(name)
    except ValidationError:
        return False
    removed, _ = VideoTag.objects.filter(video=video, tag__project=video.project, tag__key=key).delete()
    Tag.objects.filter(project=video.project, key=key, video_tags__isnull=True).delete()
    return bool(removed)


# ---------------------------------------------------------------------------------------------------------------
# Favourites and titles
# ---------------------------------------------------------------------------------------------------------------
def favourite_set(*, actor: Actor, video: Video, on: bool) -> bool:
    """Star (or unstar) a video for the acting member; any member of its project may. Returns the new state."""
    require_actor_role(actor, video.project, Role.VIEWER)
    if on:
        Favourite.objects.get_or_create(user=actor.user, video=video)  # a concurrent star is taken as it is
    else:
        Favourite.objects.filter(user=actor.user, video=video).delete()
    return on


@transaction.atomic
def title_set(*, actor: Actor, video: Video, title: str) -> str:
    """Rename a video (editors and owners): at most 200 characters, spaces folded; an empty title removes it (the
    prompt shows again). The prompt itself never changes. Returns the title kept."""
    require_actor_role(actor, video.project, Role.EDITOR)
    title = SPACES.sub(" ", title or "").strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            f"A title is at most {TITLE_MAX_LENGTH} characters; this one has {len(title):,}.", code="title_too_long"
        )
    if CONTROL.search(title):
        raise ValidationError("A title cannot contain control characters.", code="title_control")
    if not title:
        VideoTitle.objects.filter(video=video).delete()
        return ""
    VideoTitle.objects.update_or_create(video=video, defaults={"title": title, "set_by": actor.user})
    return title


# ---------------------------------------------------------------------------------------------------------------
# Bulk actions
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class BulkResult:
    """What a bulk action did: the videos changed, and the ones skipped with the reason for each."""

    done: list[Video] = field(default_factory=list)
    skipped: list[tuple[Video, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        n = len(self.done)
        words = [f"{verb} {n} video{'s' if n != 1 else ''}."]
        if self.skipped:
            reasons: dict[str, int] = {}
            for _, reason in self.skipped:
                reasons[reason] = reasons.get(reason, 0) + 1
            parts = [f"{count} {reason}" for reason, count in reasons.items()]
            words.append(f"Skipped {len(self.skipped)}: " + "; ".join(parts) + ".")
        words.extend(self.notes)
        return " ".join(words)


NOT_EDITOR = "in a project where you are not an editor"


def _roles(user, videos: Iterable[Video]) -> dict[int, Membership]:
    """The member's memberships of the videos' projects, by project id (one query)."""
    ids = {v.project_id for v in videos}
    return {m.project_id: m for m in Membership.objects.filter(user=user, project_id__in=ids).select_related("project")}


def bulk_tag(*, actor: Actor, videos: list[Video], name: str) -> BulkResult:
    """Put one tag on every selected video the member may edit (editor or owner in its project). A bad tag is
    refused before anything changes; a viewer's videos and full videos are skipped and said."""
    name, key = tag_normalise(name)
    result = BulkResult()
    memberships = _roles(actor.user, videos)
    with transaction.atomic():
        list(Video.objects.select_for_update().filter(id__in=[v.id for v in videos]).order_by("id").values("id"))
        counts = _tag_counts(videos)
        # Videos carrying this tag already (a project's tag of this key): one query, not one per video.
        tagged = set(VideoTag.objects.filter(video__in=videos, tag__key=key).values_list("video_id", flat=True))
        tags: dict[int, Tag] = {}
        new: list[VideoTag] = []
        for video in videos:
            membership = memberships.get(video.project_id)
            if membership is None or not membership.has_role(Role.EDITOR):
                result.skipped.append((video, NOT_EDITOR))
                continue
            if video.id in tagged:
                result.done.append(video)
                continue
            if counts.get(video.id, 0) >= TAGS_PER_VIDEO:
                result.skipped.append((video, f"carrying {TAGS_PER_VIDEO} tags already"))
                continue
            tag = tags.get(video.project_id) or _tag_for(video.project, name, key, actor.user)
            tags[video.project_id] = tag
            new.append(VideoTag(video=video, tag=tag, added_by=actor.user))
            result.done.append(video)
        VideoTag.objects.bulk_create(new, ignore_conflicts=True)
    return result


def _tag_counts(videos: list[Video]) -> dict[int, int]:
    rows = VideoTag.objects.filter(video__in=videos).values("video_id").annotate(n=Count("id")).order_by()
    return {row["video_id"]: row["n"] for row in rows}


def bulk_favourite(*, actor: Actor, videos: list[Video], on: bool = True) -> BulkResult:
    """Star (or unstar) every selected video for the member (any member of a video's project may)."""
    result = BulkResult()
    with transaction.atomic():
        if on:
            Favourite.objects.bulk_create([Favourite(user=actor.user, video=v) for v in videos], ignore_conflicts=True)
        else:
            Favourite.objects.filter(user=actor.user, video__in=videos).delete()
    result.done = list(videos)
    return result


def bulk_delete(*, actor: Actor, videos: list[Video]) -> BulkResult:
    """Delete every selected video the member may delete, by the studio's own rule (videos.services.video_delete:
    an editor or owner, nothing being made or saved). Each deletion is its own (and in the audit log as
    video.delete); one video.bulk_delete entry per project sums the action up."""
    from videos import services as video_services

    result = BulkResult()
    memberships = _roles(actor.user, videos)
    for video in videos:
        membership = memberships.get(video.project_id)
        if membership is None or not membership.has_role(Role.EDITOR):
            result.skipped.append((video, NOT_EDITOR))
            continue
        if not video.is_deletable:
            result.skipped.append((video, "still being made (cancel it, or delete it once it has finished)"))
            continue
        video.project.membership = membership
        try:
            note = video_services.video_delete(actor=actor, video=video)
        except (ValidationError, PermissionDenied, Http404) as exc:
            message = " ".join(getattr(exc, "messages", [str(exc)]))
            result.skipped.append((video, f"refused ({message})"))
            continue
        result.done.append(video)
        if note and note not in result.notes:
            result.notes.append(note)
    _record_per_project(actor, "video.bulk_delete", videos, result)
    return result


def _record_per_project(actor: Actor, action: str, videos: list[Video], result: BulkResult | None = None) -> None:
    by_project: dict[int, list[Video]] = {}
    for video in videos:
        by_project.setdefault(video.project_id, []).append(video)
    done = {v.id for v in result.done} if result is not None else None
    skipped = {v.id: reason for v, reason in result.skipped} if result is not None else {}
    for group in by_project.values():
        detail = {"videos": [str(v.public_id) for v in group if done is None or v.id in done]}
        if result is not None:
            detail["skipped"] = {str(v.public_id): skipped[v.id] for v in group if v.id in skipped}
        audit.record(actor=actor, action=action, project=group[0].project, detail=detail,
                     target=("videos", "", f"{len(detail['videos'])} video(s)"))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The zip download: streamed as it is written (never whole in memory), each MP4 read from storage in chunks
# ---------------------------------------------------------------------------------------------------------------
CHUNK = 256 * 1024
CSV_NAME = "videos.csv"
CSV_COLUMNS = ("public_id", "title", "prompt", "model", "size", "seconds", "provider", "created", "tags", "file")


def zip_entry_name(video: Video) -> str:
    return f"sora-{video.public_id}.mp4"


def csv_rows(videos: list[Video], files: dict[int, str] | None = None) -> str:
    """The CSV of the selection: prompts and settings, one row a video (tags separated by commas; a cell that starts
    like a formula is prefixed with a quote so a spreadsheet shows it as text). `files`: each video's entry in the
    zip, or why it has none."""
    files = files or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for video in videos:
        writer.writerow([csv_cell(value) for value in (
            str(video.public_id), title_of(video), video.prompt, video.model, video.size, video.seconds,
            video.provider.name, video.created_at.isoformat(), ",".join(getattr(video, "tag_names", [])),
            files.get(video.id, ""),
        )])  # fmt: skip
    return out.getvalue()


def zip_stream(videos: list[Video], *, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The zip, in the pieces `_zip_pieces` writes (empty ones left out)."""
    return (piece for piece in _zip_pieces(videos, chunk_size=chunk_size) if piece)


def _zip_pieces(videos: list[Video], *, chunk_size: int) -> Iterator[bytes]:
    """The zip of the selected videos' MP4s (stored as they are: an MP4 is compressed already), then the CSV, yielded
    piece by piece as it is written. A video without an archived MP4 (not finished, failed, or its file missing from
    storage) is only in the CSV, which says so."""
    sink = ZipSink()
    files: dict[int, str] = {}
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for video in videos:
            asset = video.asset_map.get("video")
            if asset is None:
                files[video.id] = "(no MP4: not archived)"
                continue
            try:
                source = asset.file.storage.open(asset.file.name, "rb")
            except (FileNotFoundError, OSError):
                files[video.id] = "(no MP4: missing from the studio's storage)"
                continue
            entry = zipstream.entry(zip_entry_name(video), video.created_at)
            large = asset.bytes is None or asset.bytes > zipfile.ZIP64_LIMIT
            with source, archive.open(entry, mode="w", force_zip64=large) as target:
                while data := source.read(chunk_size):
                    target.write(data)
                    yield sink.take()
            files[video.id] = entry.filename
            yield sink.take()
        info = zipstream.entry(CSV_NAME, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(info, csv_rows(videos, files).encode("utf-8-sig"))
        yield sink.take()
    yield sink.take()


def zip_record(*, actor: Actor, videos: list[Video]) -> None:
    """The zip download in the audit log: one video.zip_download entry per project, naming its videos."""
    _record_per_project(actor, "video.zip_download", videos)
