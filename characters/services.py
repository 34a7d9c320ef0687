"""Writes for the project cast. Every door (the pages, the admin, later the Team API) comes through these, with the
actor who acts; the checks are here, not in the views.

A character is made in the studio first (its clip checked, stored, and a thumbnail made locally); it is made
upstream later, once per provider, on the first video there that uses it (`cast_upstream_ids`, called by the
video's start task with the provider's client: synchronous, under the client's timeouts; characters cost no video
seconds). It is not a video job, so nothing here touches a job's state (`videos/lifecycle.py` does that).
"""

from __future__ import annotations

import io
import logging
import uuid
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from accounts.access import Role, require_actor_role
from accounts.actors import Actor
from accounts.models import Project
from assets import services as assets
from assets.models import Asset
from characters import clips
from characters.models import MAX_PER_VIDEO, NAME_MAX_LENGTH, Appearance, Character, CharacterUpload
from config.inputs import OversizedUpload, unstorable
from videos.sora.errors import SoraError

log = logging.getLogger(__name__)

FOLDER = "characters"


def clip_max_bytes() -> int:
    return settings.CHARACTER_CLIP_MAX_BYTES


def clean_name(project: Project, name: str, *, exclude: int | None = None) -> str:
    """The name tidied (spaces), or a ValidationError on "name": empty, too long, unstorable, or taken in the
    project (whatever the case; `exclude`: the character being renamed)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Name the character."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"A character's name is at most {NAME_MAX_LENGTH} characters."})
    if what := unstorable(name):
        raise ValidationError({"name": f"The name contains {what}, which the studio cannot store."})
    taken = Character.objects.filter(project=project, name__iexact=name).exclude(id=exclude)
    if taken.exists():
        raise ValidationError({"name": f"This project already has a character called “{name}”; pick another name."})
    return name


def _check_size(upload) -> None:
    limit = clip_max_bytes()
    if isinstance(upload, OversizedUpload) or (upload.size or 0) > limit:
        raise ValidationError(
            {"clip": f"The clip is {upload.size:,} bytes; a character clip may be at most {limit:,} bytes."}
        )
    if not upload.size:
        raise ValidationError({"clip": "The clip is empty (0 bytes)."})


def _make(*, actor: Actor, project: Project, name: str, clip: IO[bytes], source_video=None) -> Character:
    """Check the clip (headers only), make its thumbnail, store both, save the character; nothing is left behind
    when anything fails."""
    try:
        info = clips.check_clip(clip)
        clip.seek(0)
        picture = clips.thumbnail(clip)
    except clips.ClipError as exc:
        raise ValidationError({"clip": str(exc)}) from None
    clip.seek(0)
    stored: list[Asset] = []
    try:
        with transaction.atomic():
            stem = uuid.uuid4().hex
            origin = Asset.Origin.UPLOAD if source_video is None else Asset.Origin.STUDIO
            clip_asset = assets.asset_store_unattached(
                kind=Asset.Kind.VIDEO, content=clip, origin=origin, folder=FOLDER, stem=stem
            )
            stored.append(clip_asset)
            thumb = assets.asset_store_unattached(
                kind=Asset.Kind.THUMBNAIL, content=io.BytesIO(picture), origin=Asset.Origin.STUDIO, folder=FOLDER,
                stem=stem,
            )
            stored.append(thumb)
            character = Character(
                project=project, name=name, created_by=actor.user, clip=clip_asset, thumbnail=thumb,
                source_video=source_video, width=info.width, height=info.height, seconds=round(info.seconds, 2),
            )  # fmt: skip
            character.full_clean(exclude=["clip", "thumbnail", "source_video", "created_by"])
            character.save()
    except IntegrityError:
        _drop_files(stored)
        raise ValidationError({"name": f"This project already has a character called “{name}”."}) from None
    except BaseException:
        _drop_files(stored)
        raise
    log.info("character %s made in project %s by %s", character.public_id, project.public_id, actor)
    return character


def _drop_files(stored: list[Asset]) -> None:
    for asset in stored:
        try:
            default_storage.delete(asset.file.name)
        except OSError:  # pragma: no cover
            log.warning("could not remove %s after a failed character", asset.file.name)


def character_create_from_upload(*, actor: Actor, project: Project, name: str, clip) -> Character:
    """A character from an uploaded clip (an MP4 of 2-4 s, 16:9 or 9:16, 720p-1080p, at most
    CHARACTER_CLIP_MAX_BYTES). Editors and owners only."""
    require_actor_role(actor, project, Role.EDITOR)
    name = clean_name(project, name)
    if clip is None:
        raise ValidationError({"clip": "Choose an MP4 clip of the character."})
    _check_size(clip)
    clip.seek(0)
    return _make(actor=actor, project=project, name=name, clip=clip)


def character_create_from_video(*, actor: Actor, video, name: str) -> Character:
    """A character from a completed video of the project: its first seconds (at most 4), cut here without
    re-encoding, checked as an upload would be."""
    project = video.project
    require_actor_role(actor, project, Role.EDITOR)
    name = clean_name(project, name)
    if video.is_deleted or video.status != video.Status.COMPLETED:
        raise ValidationError("Only a completed video can give a character.")
    source = Asset.objects.filter(video=video, kind=Asset.Kind.VIDEO).first()
    if source is None:
        raise ValidationError("This video's MP4 is not saved in the studio yet; try again once it is.")
    from assets import media

    try:
        with source.file.open("rb") as fh:
            clip = clips.first_seconds(fh)
    except FileNotFoundError:
        raise ValidationError("This video's MP4 is missing from the studio's storage.") from None
    except media.MediaError as exc:
        raise ValidationError(f"This video's clip cannot be used: {exc}.") from None
    with clip:
        return _make(actor=actor, project=project, name=name, clip=clip, source_video=video)


def character_delete(*, actor: Actor, character: Character) -> None:
    """Remove a character from the cast: its owner's or its maker's right. Refused while a video that uses it is
    still being made (the provider would be asked for it)."""
    membership = require_actor_role(actor, character.project, Role.EDITOR)
    if membership is not None and membership.role != Role.OWNER and character.created_by_id != actor.user.id:
        raise PermissionDenied("Only the project's owner or the character's maker can delete it.")
    from videos.models import Video

    busy = Video.objects.filter(appearances__character=character, status__in=Video.UNFINISHED).count()
    if busy:
        raise ValidationError(
            f"{character.name} is in {busy} video{'s' if busy != 1 else ''} still being made; delete it once "
            f"{'they have' if busy != 1 else 'it has'} finished."
        )
    character.delete()  # its files go with it (character_files_drop)


def character_files_drop(sender, instance: Character, **kwargs) -> None:
    """After a character's row is deleted (by `character_delete`, or with its project): its clip and thumbnail
    rows now, their files after commit."""
    assets.assets_delete_unattached(Asset.objects.filter(id__in=[instance.clip_id, instance.thumbnail_id]))


# ---------------------------------------------------------------------------------------------------------------
# A video's cast
# ---------------------------------------------------------------------------------------------------------------
def cast_check(*, project: Project, provider, characters) -> list[Character]:
    """The characters a new video may have: at most two, of its own project, on a provider that has characters.
    Raises a ValidationError on `characters` that says which rule was broken. Returns them, each once, in order."""
    picked: list[Character] = []
    for character in characters or ():
        if character.id not in {c.id for c in picked}:
            picked.append(character)
    if not picked:
        return []
    if len(picked) > MAX_PER_VIDEO:
        raise ValidationError(
            {"characters": f"A video can have at most {MAX_PER_VIDEO} characters; {len(picked)} were picked."}
        )
    for character in picked:
        if character.project_id != project.id:
            raise ValidationError({"characters": f"“{character.name}” is not in this project's cast."})
    if not provider.capabilities.has_characters():
        raise ValidationError(
            {
                "characters": f"{provider.name} cannot use characters. Pick a model of a provider that has them, or "
                "leave the characters out."
            }  # fmt: skip
        )
    return picked


def cast_record(*, video, characters: list[Character]) -> None:
    """Who is in a new video (after cast_check). A repeated submit (same video) records nothing twice."""
    if not characters or Appearance.objects.filter(video=video).exists():
        return
    Appearance.objects.bulk_create([Appearance(video=video, character=c, position=i) for i, c in enumerate(characters)])


def cast_upstream_ids(*, video, client) -> list[str]:
    """The provider's ids of the video's characters, in order; a character the provider does not know yet is made
    there now (POST /videos/characters with its clip) and remembered. Raises SoraError as the client does.

    Two videos starting at once may both make the same character upstream; the first id saved wins and is used by
    both (an unused upstream character costs nothing, and the contract has no delete for it)."""
    ids = []
    appearances = Appearance.objects.filter(video=video).select_related("character__clip").order_by("position")
    for appearance in appearances:
        character = appearance.character
        known = CharacterUpload.objects.filter(character=character, provider=video.provider_id).first()
        if known is None:
            with character.clip.file.open("rb") as fh:
                clip = fh.read()
            try:
                remote = client.create_character(character.name, clip)
            except SoraError as exc:
                # Not the video's create: a character made twice upstream is harmless, so this is never an
                # "outcome unknown" of the video (no reconciling); retried or failed by what the provider said.
                raise SoraError(
                    f"{video.provider.name} did not take the character {character.name}: {exc.message}",
                    status=exc.status, code=exc.code, retryable=exc.retryable, request_id=exc.request_id,
                    retry_after=exc.retry_after,
                ) from None  # fmt: skip
            try:
                with transaction.atomic():
                    known = CharacterUpload.objects.create(
                        character=character, provider=video.provider, upstream_id=remote.id
                    )
            except IntegrityError:
                known = CharacterUpload.objects.get(character=character, provider=video.provider_id)
            log.info("character %s made on %s as %s", character.public_id, video.provider.slug, known.upstream_id)
        ids.append(known.upstream_id)
    return ids


def cast_forget_upstream(*, video) -> int:
    """Forget the provider's ids of the video's characters (the provider said it does not know one): they are made
    there again on the next start. Returns how many were forgotten."""
    deleted, _ = CharacterUpload.objects.filter(
        provider=video.provider_id, character__appearances__video=video
    ).delete()
    return deleted
