"""Importing a project exported by a studio (transfer/exports.py) into this one: `project_import()`.

Everything is checked before anything is created: the zip's entry names (no absolute paths, no `..`, no
backslashes, no symlinks, no encrypted or unexpected entries), its sizes (each entry's declared size against the
manifest's, a compression ratio no zip bomb gets past, and a total under TRANSFER_MAX_IMPORT_BYTES), and
project.json (its format and schema version, every field's type and range, ids, lineage without cycles, each
listed file present). Then every file is streamed into storage, outside any transaction, while its bytes are
counted and hashed (never more than its declared size is read); it must match the manifest's checksum and be what its
kind must be (an MP4, a WebP, ...). Only then, in one short transaction, are the project, its videos (with new public
ids, parents first so lineage is rebuilt) and their files' rows created: the database's write lock is never held
while bytes are copied. Any failure rolls the transaction back and removes every file already written: an import
either creates everything or nothing.

No upstream call is made: the imported videos are completed, archived, and have no upstream job (they cannot be
remixed, edited or extended here, which needs the job upstream). Their provider is the one here with the same slug
when there is one; otherwise a switched-off provider of that slug is created, named "<name> (imported)", with a
placeholder URL, so the videos say where they were made and nothing can ever be sent there until an admin sets it
up.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import struct
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.dateparse import parse_datetime

from accounts.actors import SYSTEM, Actor
from accounts.models import Project, User
from assets import media
from assets import services as assets
from assets.models import TYPES, Asset, asset_path
from audit import services as audit
from config.inputs import unstorable
from providers.models import Provider
from transfer.exports import FORMAT, MANIFEST, SCHEMA_VERSION, file_path
from videos.models import MAX_SECONDS, Video

MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200  # declared size / compressed size of any entry: a zip bomb's is in the thousands
MAX_VIDEOS = 100_000
MAX_ENTRIES = 5 * MAX_VIDEOS + 1  # four files a video (and a folder entry), and project.json
CHUNK = 1 << 20
IMPORTED_BASE_URL = "https://imported.invalid/v1"
_SIZE = re.compile(r"^\d{2,5}x\d{2,5}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# What each kind of file must be (assets.media.sniff) and its extension.
SNIFFED = {"video": "mp4", "thumbnail": "webp", "spritesheet": "jpeg", "reference": "png"}


class ImportRefused(Exception):
    """The archive cannot be imported; the message says why. Nothing was created."""


@dataclass
class Imported:
    project: Project
    videos: int
    files: int
    bytes: int
    providers_created: list[str]


# ---------------------------------------------------------------------------------------------------------------
# Checking the archive
# ---------------------------------------------------------------------------------------------------------------
def _check_name(name: str) -> None:
    if not name or "\x00" in name or "\\" in name:
        raise ImportRefused(f"The archive holds an entry with a bad name ({name!r}).")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ImportRefused(f"The archive holds an entry with an absolute path ({name!r}); refusing it.")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ImportRefused(f"The archive holds an entry whose path leaves its folder ({name!r}); refusing it.")


def _check_entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        _check_name(info.filename)
        if info.filename in entries:
            raise ImportRefused(f"The archive holds {info.filename} twice.")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ImportRefused(f"The archive holds a symbolic link ({info.filename}); refusing it.")
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{info.filename} is encrypted; export the project again without a password.")
        if info.is_dir():
            continue
        if info.file_size > (info.compress_size or 1) * MAX_RATIO and info.file_size > CHUNK:
            raise ImportRefused(
                f"{info.filename} would unpack to {info.file_size:,} bytes from {info.compress_size:,}: that is a zip "
                "bomb, not an export."
            )
        total += info.file_size
        entries[info.filename] = info
    limit = settings.TRANSFER_MAX_IMPORT_BYTES
    if total > limit:
        raise ImportRefused(
            f"The archive would unpack to {total:,} bytes; the limit is {limit:,} (TRANSFER_MAX_IMPORT_BYTES)."
        )
    return entries


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    data = bytearray()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(CHUNK):
                data += chunk
                if len(data) > limit:
                    raise ImportRefused(f"{info.filename} is larger than it says.")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportRefused(f"{info.filename} is damaged ({exc}).") from None
    return bytes(data)


def _text(video: dict, key: str, *, max_length: int, blank: bool = False) -> str:
    value = video.get(key)
    if not isinstance(value, str) or (not blank and not value.strip()) or len(value) > max_length:
        raise ImportRefused(f"project.json: video {video.get('id')!r} has a bad {key} ({str(value)[:60]!r}).")
    return value


def _moment(video: dict, key: str, *, required: bool = False) -> datetime | None:
    value = video.get(key)
    if value is None and not required:
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is not None and moment.tzinfo is not None:
            moment.astimezone(UTC)  # a moment at the edge of the calendar may not exist in UTC
    except (ValueError, OverflowError):  # "2024-02-30", an offset of 99 hours, ...
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ImportRefused(f"project.json: video {video.get('id')!r} has a bad {key} ({str(value)[:40]!r}).")
    return moment


def _uuid(value, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ImportRefused(f"project.json: {what} is not an id ({str(value)[:60]!r}).") from None


def _check_storable(manifest) -> None:
    """Refuse text no database can store (a NUL character, a lone surrogate) anywhere in project.json, naming
    where it is. Iterative: json.loads already bounded the depth."""
    stack: list[tuple[str, object]] = [("", manifest)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if what := unstorable(key):
                    raise ImportRefused(f"project.json has a key holding {what} (in {where or 'the top level'}); the "
                                        "studio cannot store it.")  # fmt: skip
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{n}]", item) for n, item in enumerate(value))
        elif isinstance(value, str) and (what := unstorable(value)):
            raise ImportRefused(f"project.json: {where[:120]} holds {what}, which the studio cannot store.")


def _check_manifest(raw: bytes, entries: dict[str, zipfile.ZipInfo]) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ImportRefused("project.json is nested too deeply to be a project export.") from None
    except ValueError as exc:  # not UTF-8, not JSON, a number of thousands of digits
        raise ImportRefused(f"project.json is not valid JSON ({str(exc)[:200]}).") from None
    _check_storable(manifest)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportRefused("project.json is not a Sora Studio project export.")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ImportRefused(
            f"project.json has schema version {version!r}; this studio reads version {SCHEMA_VERSION}. Update the "
            "studio that imports (or export from a studio of the same version)."
        )
    project = manifest.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str) or not project["name"].strip():
        raise ImportRefused("project.json names no project.")
    if not isinstance(project.get("owners", []), list) or not isinstance(project.get("id", ""), str | None):
        raise ImportRefused("project.json: the project's owners or id are not what they must be.")
    videos = manifest.get("videos")
    if not isinstance(videos, list) or len(videos) > MAX_VIDEOS:
        raise ImportRefused("project.json has no list of videos.")
    seen: dict[str, dict] = {}
    listed: set[str] = set()
    for video in videos:
        if not isinstance(video, dict):
            raise ImportRefused("project.json: a video is not an object.")
        vid = _uuid(video.get("id"), "a video's id")
        if vid in seen:
            raise ImportRefused(f"project.json lists video {vid} twice.")
        parent = video.get("parent_id")
        if parent is not None:
            parent = _uuid(parent, f"the parent of video {vid}")
            if parent not in seen:
                raise ImportRefused(f"project.json: video {vid}'s parent {parent} is not before it in the export.")
        video["id"], video["parent_id"] = vid, parent
        _text(video, "prompt", max_length=32000)
        _text(video, "model", max_length=64)
        if not _SIZE.match(_text(video, "size", max_length=16)):
            raise ImportRefused(f"project.json: video {vid} has a bad size.")
        seconds = video.get("seconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= MAX_SECONDS:
            raise ImportRefused(f"project.json: video {vid} has a bad length ({seconds!r}).")
        if video.get("operation") not in Video.Operation.values:
            raise ImportRefused(f"project.json: video {vid} has an unknown operation.")
        if video.get("input_fit", "") not in ("", *Video.Fit.values):
            raise ImportRefused(f"project.json: video {vid} has a bad input_fit.")
        provider = video.get("provider")
        if not isinstance(provider, dict) or not isinstance(provider.get("slug"), str) or \
                not re.match(r"^[-a-zA-Z0-9_]{1,40}$", provider["slug"]) or not isinstance(provider.get("name"), str):
            raise ImportRefused(f"project.json: video {vid} names no provider.")  # fmt: skip
        try:
            cost = Decimal(str(video.get("estimated_cost")))
            if not cost.is_finite() or cost < 0 or cost >= Decimal("1e8") or cost.as_tuple().exponent < -2:
                raise InvalidOperation
        except InvalidOperation:
            raise ImportRefused(f"project.json: video {vid} has a bad cost.") from None
        for key in ("submitted_at", "completed_at", "archived_at", "deleted_at"):
            _moment(video, key)
        _moment(video, "created_at", required=True)
        files = video.get("files")
        if not isinstance(files, list):
            raise ImportRefused(f"project.json: video {vid} has no list of files.")
        kinds = set()
        for item in files:
            if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or item["kind"] not in TYPES \
                    or item["kind"] in kinds:
                raise ImportRefused(f"project.json: video {vid} lists a bad file.")
            kinds.add(item["kind"])
            path = item.get("path")
            if path != file_path(vid, item["kind"]):
                raise ImportRefused(f"project.json: video {vid}'s {item['kind']} has a bad path ({str(path)[:80]!r}).")
            if not isinstance(item.get("sha256"), str) or not _SHA256.match(item["sha256"]):
                raise ImportRefused(f"project.json: {path} has a bad checksum.")
            size = item.get("bytes")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ImportRefused(f"project.json: {path} has a bad size.")
            if item.get("origin") not in Asset.Origin.values:
                raise ImportRefused(f"project.json: {path} has a bad origin.")
            info = entries.get(path)
            if info is None:
                raise ImportRefused(f"The archive is missing {path}, which project.json lists.")
            if info.file_size != size:
                raise ImportRefused(f"{path} holds {info.file_size:,} bytes; project.json says {size:,}.")
            listed.add(path)
        seen[vid] = video
    extra = set(entries) - listed - {MANIFEST}
    if extra:
        raise ImportRefused(f"The archive holds files project.json does not list: {', '.join(sorted(extra)[:5])}.")
    return manifest


def _declared_entries(fp: IO[bytes]) -> int | None:
    """How many entries the zip's end-of-central-directory record (or its zip64 one) says it holds, read before
    zipfile builds its list of them; None when there is no such record (zipfile then refuses the file)."""
    try:
        record = zipfile._EndRecData(fp)  # the reader zipfile.ZipFile itself uses
    except (OSError, ValueError, struct.error):
        return None
    return record[zipfile._ECD_ENTRIES_TOTAL] if record else None


def open_archive(archive: IO[bytes] | str) -> zipfile.ZipFile:
    """The zip, opened for check_archive: refused (ImportRefused) when it is not a readable zip, or when it holds
    more entries than any export can, before its list of entries is built in memory."""
    try:
        if isinstance(archive, str):
            with open(archive, "rb") as fp:
                count = _declared_entries(fp)
        else:
            start = archive.tell()
            count = _declared_entries(archive)
            archive.seek(start)
        if count is not None and count > MAX_ENTRIES:
            raise ImportRefused(f"The archive holds {count:,} entries; a project export holds at most {MAX_ENTRIES:,} "
                                f"({MAX_VIDEOS:,} videos with their files).")  # fmt: skip
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(f"This is not a readable zip archive ({exc}).") from None


def check_archive(archive: zipfile.ZipFile) -> dict:
    """The manifest of a zip that passed every check (raises ImportRefused otherwise)."""
    entries = _check_entries(archive)
    if MANIFEST not in entries:
        raise ImportRefused("The archive has no project.json: it is not a project export.")
    info = entries[MANIFEST]
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ImportRefused(f"project.json is {info.file_size:,} bytes; the limit is {MAX_MANIFEST_BYTES:,}.")
    return _check_manifest(_read_limited(archive, info, MAX_MANIFEST_BYTES), entries)


# ---------------------------------------------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------------------------------------------
def _provider_for(slug: str, name: str, created: list[str]) -> Provider:
    from providers import services as providers

    provider = Provider.objects.filter(slug=slug).first()
    if provider is None:
        provider = providers.provider_save(actor=SYSTEM, slug=slug, name=f"{name[:85]} (imported)",
                                           base_url=IMPORTED_BASE_URL, is_active=False)  # fmt: skip
        created.append(slug)
    return provider


def _project_name(owner: User, wanted: str) -> str:
    from accounts.models import Membership

    owned = set(
        name.lower()
        for name in Project.objects.filter(memberships__user=owner, memberships__role=Membership.Role.OWNER)
        .values_list("name", flat=True)
    )
    base = wanted.strip()[:85]
    name, n = base, 1
    while name.lower() in owned:
        n += 1
        name = f"{base} (imported{'' if n == 2 else f' {n - 1}'})"
    return name


class _Verified:
    """Streams one zip entry into storage, counting and hashing; never reads more than the declared size."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, item: dict) -> None:
        self.archive, self.info, self.item = archive, info, item

    def copy_into(self, target: IO[bytes], progress: Callable[[int], None] | None) -> None:
        digest, count, limit = hashlib.sha256(), 0, self.item["bytes"]
        try:
            with self.archive.open(self.info) as source:
                while chunk := source.read(CHUNK):
                    count += len(chunk)
                    if count > limit:
                        raise ImportRefused(f"{self.info.filename} holds more than the {limit:,} bytes it declares.")
                    digest.update(chunk)
                    target.write(chunk)
                    if progress is not None:
                        progress(len(chunk))
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise ImportRefused(f"{self.info.filename} is damaged ({exc}).") from None
        if count != limit:
            raise ImportRefused(f"{self.info.filename} holds {count:,} bytes; project.json says {limit:,}.")
        if digest.hexdigest() != self.item["sha256"]:
            raise ImportRefused(f"{self.info.filename} does not match its checksum in project.json: it was changed or "
                                "damaged.")  # fmt: skip


@dataclass
class _Stored:
    """A file copied (and verified) into storage before any row exists: the row is made from it later."""

    video_id: str  # the video's id in project.json
    item: dict
    name: str  # its name in storage


def _copy_file(public_id: uuid.UUID, archive: zipfile.ZipFile, item: dict, written: list[str], progress) -> str:
    """Stream one listed file into storage (checked as it comes: its kind, size and checksum); its stored name.
    A file left half-written by a failure is removed; a complete one is added to `written`."""
    kind = item["kind"]

    def check_head(head: bytes) -> None:
        if media.sniff(head) != SNIFFED[kind]:
            raise ImportRefused(f"{item['path']} is {media.describe(head)}, not what a {kind} must be.")

    content_type, extension = TYPES[kind]
    asset = Asset(kind=kind, content_type=content_type, origin=item["origin"])
    stream = assets.AssetStream(asset=asset, name=asset_path(asset, f"{public_id}.{extension}"), check_head=check_head)
    try:
        _Verified(archive, archive.getinfo(item["path"]), item).copy_into(stream, progress)
        stream.commit()
    except BaseException:
        stream.discard()
        raise
    written.append(stream.asset.file.name)
    return stream.asset.file.name


def _copy_files(archive: zipfile.ZipFile, manifest: dict, new_ids: dict[str, uuid.UUID], written: list[str],
                progress) -> list[_Stored]:  # fmt: skip
    """Every listed file into storage, outside any transaction (no database lock is held while bytes are copied)."""
    stored: list[_Stored] = []
    for item in manifest["videos"]:
        for file in item["files"]:
            stored.append(_Stored(item["id"], file, _copy_file(new_ids[item["id"]], archive, file, written, progress)))
    return stored


def _insert_rows(manifest: dict, stored: list[_Stored], new_ids: dict[str, uuid.UUID], owner: User,
                 actor: Actor) -> Imported:  # fmt: skip
    """The project, its videos and their files' rows, in one short transaction (the files are in storage already)."""
    from accounts.services import project_create
    from videos.services import video_import

    providers_created: list[str] = []
    with transaction.atomic():
        project = project_create(actor=actor, owner=owner, name=_project_name(owner, manifest["project"]["name"]))
        videos: dict[str, Video] = {}
        for item in manifest["videos"]:
            provider = _provider_for(item["provider"]["slug"], item["provider"]["name"], providers_created)
            videos[item["id"]] = video_import(
                actor=actor, project=project, owner=owner, provider=provider,
                parent=videos[item["parent_id"]] if item["parent_id"] else None,
                operation=item["operation"], prompt=item["prompt"], model=item["model"], size=item["size"],
                seconds=item["seconds"], input_fit=item.get("input_fit", ""),
                estimated_cost=Decimal(str(item["estimated_cost"])),
                created_at=_moment(item, "created_at"), submitted_at=_moment(item, "submitted_at"),
                completed_at=_moment(item, "completed_at"), archived_at=_moment(item, "archived_at"),
                deleted_at=_moment(item, "deleted_at"), public_id=new_ids[item["id"]],
            )  # fmt: skip
        Asset.objects.bulk_create(
            Asset(video=videos[s.video_id], kind=s.item["kind"], file=s.name, content_type=TYPES[s.item["kind"]][0],
                  bytes=s.item["bytes"], sha256=s.item["sha256"], origin=s.item["origin"])
            for s in stored
        )  # fmt: skip
        total_bytes = sum(s.item["bytes"] for s in stored)
        id_map = {old: str(video.public_id) for old, video in videos.items()}
        audit.record(actor=actor, action="project.import", target=project,
                     detail={"from_project": (manifest["project"].get("id") or "")[:64] or None,
                             "videos": len(videos),
                             "files": len(stored), "bytes": total_bytes, "providers_created": providers_created,
                             "ids": id_map if len(id_map) <= 500 else {}})  # fmt: skip
    return Imported(project=project, videos=len(videos), files=len(stored), bytes=total_bytes,
                    providers_created=providers_created)  # fmt: skip


def project_import(*, actor: Actor, owner: User, archive: IO[bytes] | str,
                   progress: Callable[[int], None] | None = None) -> Imported:  # fmt: skip
    """Check the archive, then create its project (owned by `owner`) with every video and file, or nothing.

    The files are copied into storage first, outside any transaction, so a big import never holds the database's
    write lock (on SQLite: every other write) while bytes are copied; then every row is inserted in one short
    transaction. Any failure removes the files already written. Raises ValidationError (code import_refused) with
    the reason when the archive is refused."""
    written: list[str] = []
    with audit.attempt(actor=actor, action="project.import") as entry:
        entry.skip = True  # the import records itself inside its transaction (with the new project)
        try:
            with open_archive(archive) as zf:
                manifest = check_archive(zf)
                new_ids = {item["id"]: uuid.uuid4() for item in manifest["videos"]}
                stored = _copy_files(zf, manifest, new_ids, written, progress)
            return _insert_rows(manifest, stored, new_ids, owner, actor)
        except ImportRefused as exc:
            _remove(written)
            from django.core.exceptions import ValidationError

            raise ValidationError(str(exc), code="import_refused") from exc
        except BaseException:
            _remove(written)
            raise


def _remove(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def manifest_total_bytes(manifest: dict) -> int:
    return sum(item["bytes"] for video in manifest["videos"] for item in video["files"])
