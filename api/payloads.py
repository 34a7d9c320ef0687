"""The studio's videos as the contract's objects (contract section 2), with the studio's own ids.

A video's id is `video_` + 48 hex digits, as the contract's are: its creation time in hex (8), its public_id (32)
and a check (8, from the public_id). The upstream id never appears.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from videos.models import Video

Status = Video.Status
ID_PATTERN = re.compile(r"^video_([0-9a-f]{8})([0-9a-f]{32})([0-9a-f]{8})$")
# The studio's states in the contract's four words: waiting and sending are "queued"; saving into the archive is
# still "in_progress" (its content is not ready until it is archived); a cancelled job is "failed".
CONTRACT_STATUS = {
    Status.PENDING: "queued",
    Status.SUBMITTING: "queued",
    Status.QUEUED: "queued",
    Status.IN_PROGRESS: "in_progress",
    Status.ARCHIVING: "in_progress",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.CANCELLED: "failed",
}


def _check(public_id: uuid.UUID) -> str:
    return hashlib.sha256(b"sora-studio-video:" + public_id.bytes).hexdigest()[:8]


def video_id(video: Video) -> str:
    return f"video_{int(video.created_at.timestamp()):08x}{video.public_id.hex}{_check(video.public_id)}"


def public_id_of(value: str) -> uuid.UUID | None:
    """The public_id inside one of our ids, or None when `value` is not one (the time part is checked by the
    caller against the row found)."""
    match = ID_PATTERN.match(value or "")
    if match is None:
        return None
    public_id = uuid.UUID(hex=match.group(2))
    if match.group(3) != _check(public_id):
        return None
    return public_id


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def contract_status(video: Video) -> str:
    return CONTRACT_STATUS.get(video.status, "queued")


def video(video: Video) -> dict:
    status = contract_status(video)
    progress = {"queued": 0, "completed": 100}.get(status, min(video.progress, 99))
    error = None
    if status == "failed":
        code = "cancelled" if video.status == Status.CANCELLED else (video.error_code or "failed")
        error = {"code": code, "message": video.error_message or "The video could not be made."}
    parent = video.remixed_from if video.remixed_from_id else None
    return {
        "id": video_id(video),
        "object": "video",
        "model": video.model,
        "status": status,
        "progress": progress,
        "created_at": _unix(video.created_at),
        "completed_at": _unix(video.completed_at or video.archived_at) if status in ("completed", "failed") else None,
        # The studio keeps its archive: its downloads do not expire.
        "expires_at": None,
        "prompt": video.prompt,
        "size": video.size,
        "seconds": str(video.seconds),
        "remixed_from_video_id": video_id(parent) if parent is not None else None,
        "error": error,
        "metadata": metadata(video),
    }


def metadata(video: Video) -> dict[str, str]:
    """The studio's organising, in OpenAI's `metadata` shape (string keys to string values): the video's title,
    its tags (commas between them; a tag never holds a comma) and whether it is the token owner's favourite.
    The caller loads them (reviews.organise_selectors.decorate, select_related("organise_title"))."""
    from reviews.organise_selectors import title_of

    return {
        "title": title_of(video),
        "tags": ",".join(getattr(video, "tag_names", [])),
        "favourite": "true" if getattr(video, "is_favourite", False) else "false",
    }


def poll_after_ms(video: Video, now: datetime | None = None) -> int | None:
    """When the studio will next know more about an unfinished video, in ms (its own polling), or None when it
    has finished."""
    if contract_status(video) not in ("queued", "in_progress"):
        return None
    low, high = settings.POLL_MIN_SECONDS * 1000, settings.POLL_MAX_SECONDS * 1000
    wait = low
    if video.next_poll_at is not None:
        wait = (video.next_poll_at - (now or timezone.now())).total_seconds() * 1000
    return int(max(low, min(high, wait)))


def list_page(videos: list[Video], *, has_more: bool) -> dict:
    data = [video(v) for v in videos]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def deleted(video_id_value: str) -> dict:
    return {"id": video_id_value, "object": "video.deleted", "deleted": True}


# ---------------------------------------------------------------------------------------------------------------
# Characters (contract 2.4): `char_` + the character's public_id (32 hex) and a check (8 hex); never the upstream's
# ---------------------------------------------------------------------------------------------------------------
CHARACTER_ID_PATTERN = re.compile(r"^char_([0-9a-f]{32})([0-9a-f]{8})$")


def _character_check(public_id: uuid.UUID) -> str:
    return hashlib.sha256(b"sora-studio-character:" + public_id.bytes).hexdigest()[:8]


def character_id(character) -> str:
    return f"char_{character.public_id.hex}{_character_check(character.public_id)}"


def character_public_id_of(value: str) -> uuid.UUID | None:
    """The public_id inside one of our character ids, or None when `value` is not one (an upstream `char_...` id
    has no valid check, so it is not one)."""
    match = CHARACTER_ID_PATTERN.match(value or "") if isinstance(value, str) else None
    if match is None:
        return None
    public_id = uuid.UUID(hex=match.group(1))
    return public_id if match.group(2) == _character_check(public_id) else None


def character(character) -> dict:
    """The contract's character object (SPEC VideoCharacterResource: no `object` key)."""
    return {"id": character_id(character), "name": character.name, "created_at": _unix(character.created_at)}
