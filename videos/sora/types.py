"""The objects of the /v1/videos contract, parsed at the edge into small frozen dataclasses (contract section 2).

Parsers ignore unknown keys (servers add some, e.g. ``quality``) and tolerate missing optional ones. A payload
that is not an object, or lacks ``id`` (or ``status`` for a video), raises ``ValueError``; the client turns that
into a ``SoraError``.

Servers other than OpenAI's differ in the details (``/work/shared/PROVIDERS.md``), so a video is read leniently:
an id is an opaque string of any length; ``status`` is kept as the server's own word (the pipeline maps it through
``providers/capabilities.py``); ``size`` may be null, ``seconds`` a number, ``prompt`` missing, ``progress`` missing
or a float (it is clamped to 0..100), ``error`` a bare string or an object with a numeric ``code``.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

QUEUED = "queued"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FAILED = "failed"
EXPIRED = "expired"  # seen on batch output only (contract 2.1)
# Words other servers use for a job that ended without a video (PROVIDERS.md: OpenRouter, batches, LiteLLM's Veo).
FAILURE_WORDS = frozenset({FAILED, "failure", "error", "errored", "cancelled", "canceled", "expired"})

PENDING_STATUSES = frozenset({QUEUED, IN_PROGRESS})
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, EXPIRED})


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a JSON object for {what}, got {type(data).__name__}")
    return data


def _required_str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} has no {key!r}")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    """An integer from an int, a float or a numeric string (47.5 and "47.5" give 47); else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    return int(number)


def _progress(value: Any) -> int:
    number = _opt_int(value)
    return 0 if number is None else max(0, min(100, number))


@dataclass(frozen=True)
class VideoError:
    """Why a job failed (SPEC ``Error-2``: code and message)."""

    code: str
    message: str

    @classmethod
    def from_json(cls, data: Any) -> VideoError | None:
        """An error object (``code`` may be a number, e.g. vLLM-Omni's HTTP status) or a bare message string."""
        if isinstance(data, str):
            return cls(code="", message=data) if data.strip() else None
        if not isinstance(data, Mapping):
            return None
        code = data.get("code")
        return cls(code="" if code is None else str(code), message=str(data.get("message") or ""))


@dataclass(frozen=True)
class Video:
    """A video job (contract 2.1), plus two facts from the response headers."""

    id: str
    status: str
    object: str = "video"
    model: str = ""
    progress: int = 0
    created_at: int | None = None
    completed_at: int | None = None
    expires_at: int | None = None
    prompt: str | None = None
    size: str = ""
    seconds: str = ""
    remixed_from_video_id: str | None = None
    error: VideoError | None = None
    # From the `openai-poll-after-ms` response header: how long the server suggests waiting before polling again.
    poll_after_ms: int | None = None
    # From the `x-request-id` response header.
    request_id: str | None = None
    # The HTTP status the job came with: 200, or a non-2xx when a server answers a failed job's retrieve with an
    # error status and the job as the body (vLLM-Omni).
    http_status: int | None = None

    @classmethod
    def from_json(
        cls,
        data: Any,
        *,
        poll_after_ms: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> Video:
        data = _object(data, "a video")
        return cls(
            id=_required_str(data, "id", "video"),
            status=_required_str(data, "status", "video"),
            object=str(data.get("object") or "video"),
            model=str(data.get("model") or ""),
            progress=_progress(data.get("progress")),
            created_at=_opt_int(data.get("created_at")),
            completed_at=_opt_int(data.get("completed_at")),
            expires_at=_opt_int(data.get("expires_at")),
            prompt=_opt_str(data.get("prompt")),
            size=str(data.get("size") or ""),
            # A string in the contract ("4", "8", "12"); some compatible servers send a number.
            seconds="" if data.get("seconds") is None else str(data["seconds"]),
            remixed_from_video_id=_opt_str(data.get("remixed_from_video_id")),
            error=VideoError.from_json(data.get("error")),
            poll_after_ms=poll_after_ms,
            request_id=request_id,
            http_status=http_status,
        )

    @property
    def is_pending(self) -> bool:
        """Still queued or rendering: poll again."""
        return self.status in PENDING_STATUSES

    @property
    def is_terminal(self) -> bool:
        """Completed, failed (or expired): the job will not change any more."""
        return self.status in TERMINAL_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED

    @property
    def looks_failed(self) -> bool:
        """Whether the job ended without a video, in any server's words: a failure word, or an error object on a
        job that no longer says it is queued or running."""
        word = self.status.strip().lower()
        if word in FAILURE_WORDS:
            return True
        return self.error is not None and word not in PENDING_STATUSES | {"pending", "processing", "running"}


@dataclass(frozen=True)
class VideoPage:
    """One page of ``GET /videos`` (contract 2.2)."""

    data: tuple[Video, ...]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None
    request_id: str | None = None

    @classmethod
    def from_json(cls, data: Any, *, request_id: str | None = None) -> VideoPage:
        data = _object(data, "a list page")
        items = data.get("data") or []
        if not isinstance(items, list):
            raise ValueError("list page 'data' is not an array")
        return cls(
            data=tuple(Video.from_json(item) for item in items),
            has_more=data.get("has_more") is True,
            first_id=_opt_str(data.get("first_id")),
            last_id=_opt_str(data.get("last_id")),
            request_id=request_id,
        )

    @property
    def next_cursor(self) -> str | None:
        """The ``after`` value for the next page, or None when this is the last one."""
        if not self.has_more:
            return None
        return self.last_id or (self.data[-1].id if self.data else None)


@dataclass(frozen=True)
class DeletedVideo:
    """The answer to ``DELETE /videos/{id}`` (contract 2.3)."""

    id: str
    deleted: bool
    object: str = "video.deleted"
    request_id: str | None = None

    @classmethod
    def from_json(cls, data: Any, *, request_id: str | None = None) -> DeletedVideo:
        data = _object(data, "a deleted video")
        return cls(
            id=_required_str(data, "id", "deleted video"),
            deleted=data.get("deleted") is True,
            object=str(data.get("object") or "video.deleted"),
            request_id=request_id,
        )


@dataclass(frozen=True)
class Character:
    """A reusable character (contract 3.7: ``POST /videos/characters``, ``GET /videos/characters/{id}``): its id
    (``char_...``), name and creation time. A create references it as ``{"id": ...}`` in ``characters``."""

    id: str
    name: str = ""
    created_at: int | None = None
    request_id: str | None = None

    @classmethod
    def from_json(cls, data: Any, *, request_id: str | None = None) -> Character:
        data = _object(data, "a character")
        return cls(
            id=_required_str(data, "id", "character"),
            name=str(data.get("name") or ""),
            created_at=_opt_int(data.get("created_at")),
            request_id=request_id,
        )


@dataclass(frozen=True)
class Download:
    """What ``SoraClient.download`` wrote: how many bytes, their SHA-256 (hex) and the server's content type."""

    variant: str
    bytes: int
    sha256: str
    content_type: str
    request_id: str | None = None


@dataclass(frozen=True)
class ImageUpload:
    """An ``input_reference`` image sent as a multipart file part (contract 3.1).

    ``content`` is the raw bytes or a binary file object (read once, so a retry can resend it). Without a
    ``content_type`` it is guessed from the file name.
    """

    filename: str
    content: bytes | BinaryIO = field(repr=False)
    content_type: str = ""

    def resolved_content_type(self) -> str:
        if self.content_type:
            return self.content_type
        guessed, _ = mimetypes.guess_type(self.filename)
        return guessed or "application/octet-stream"

    def read(self) -> bytes:
        if isinstance(self.content, bytes | bytearray | memoryview):
            return bytes(self.content)
        return self.content.read()


@dataclass(frozen=True)
class RawAnswer:
    """One answer as it came, for callers that study a server rather than use it (the conformance probe).

    ``headers`` has lower-case names; ``body`` is at most the cap the call was made with (``truncated`` says it was
    cut), with the API key redacted from it.
    """

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (or was cut)."""
        if self.truncated:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None
