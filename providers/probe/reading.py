"""Reading what a server answered: which fields an error blames, its envelope, a file's type, an id's shape."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from PIL import Image

from videos.sora.types import RawAnswer, Video

from .constants import FIELDS


@dataclass(frozen=True)
class Outcome:
    """A create-like request's answer: refused (naming some fields), created (a job), or something else."""

    answer: RawAnswer
    names: frozenset[str] = frozenset()
    video: Video | None = None

    @property
    def created(self) -> bool:
        return self.answer.ok

    @property
    def refused(self) -> bool:
        return 400 <= self.answer.status < 500 and self.answer.status not in (401, 403, 404, 405, 408, 409, 429)


def _texts_and_names(payload: Any, texts: list[str], names: set[str], depth: int = 0) -> None:
    """Walk an error body (and any JSON body quoted inside its message): messages, and field names it states."""
    if depth > 4 or not isinstance(payload, dict):
        return
    error = payload.get("error")
    found: list[Any] = []
    if isinstance(error, dict):
        found = [error.get("message")]
        names.update(_field_names(error.get("param"), exact=True) | _field_names(error.get("code")))
    elif isinstance(error, str):
        found = [error]
    detail = payload.get("detail")
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc") or []
                names.update(_field_names(loc[-1] if loc else None, exact=True))
                found.append(item.get("msg"))
    elif detail is not None:
        found.append(detail)
    if "message" in payload and not isinstance(error, dict):
        found.append(payload.get("message"))
        names.update(_field_names(payload.get("code")))
    for text in found:
        if not isinstance(text, str):
            continue
        texts.append(text)
        for inner in _quoted_json(text):
            _texts_and_names(inner, texts, names, depth + 1)


def _field_names(value: Any, *, exact: bool = False) -> set[str]:
    if not isinstance(value, str) or not value:
        return set()
    if exact:
        return {value} & set(FIELDS)
    return {name for name in FIELDS if name in value.lower()}  # a code like "invalid_size"


def _quoted_json(text: str) -> list[Any]:
    found = []
    for match in re.finditer(r"(?:^|Exception - )(?=[{\[])", text):
        try:
            value, _ = json.JSONDecoder().raw_decode(text, match.end())
        except (ValueError, RecursionError):
            continue
        found.append(value)
    return found


def named_fields(answer: RawAnswer) -> frozenset[str]:
    """The request fields an error answer blames: from its structure (param, loc, a code like ``invalid_size``,
    a wrapped upstream body) when it has any, else from the words of its messages."""
    payload = answer.json()
    texts: list[str] = []
    names: set[str] = set()
    if payload is None:
        texts.append(answer.body.decode("utf-8", "replace"))
    else:
        _texts_and_names(payload, texts, names)
    if names:
        return frozenset(names)
    # LiteLLM's sentences around any error name its model group: not a complaint about the model.
    words = re.sub(r"LiteLLM: model group '[^']*'|Received Model Group=\S+|LiteLLM Retried.*", " ", " ".join(texts))
    return frozenset(name for name in FIELDS if re.search(rf"(?<![A-Za-z]){name}(?![A-Za-z])", words, re.IGNORECASE))


def envelope_kind(answer: RawAnswer) -> str:
    """The shape of an error body, in a word or two."""
    text = answer.body.decode("utf-8", "replace").lstrip()[:200].lower()
    if "html" in answer.content_type or text.startswith(("<!doctype", "<html")):
        return "html"
    payload = answer.json()
    if payload is None:
        return "empty" if not answer.body.strip() else "text"
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            if str(error.get("message") or "").startswith(("litellm.", "Invalid request format: litellm.")):
                return "litellm"
            code = error.get("code")
            if isinstance(code, int) or (isinstance(code, str) and code == str(answer.status)):
                return "openai (code = HTTP status)"
            return "openai"
        if isinstance(error, str):
            return "error string"
        if "detail" in payload:
            return "fastapi"
        if "message" in payload and "code" in payload:
            return "new-api"
    return "json (other)"


def sniff(head: bytes) -> str:
    """What a file is, by its first bytes."""
    if head[4:8] == b"ftyp":
        return "MP4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head.lstrip()[:1] in (b"{", b"["):
        return "JSON"
    if head.lstrip()[:1] == b"<":
        return "HTML"
    return "unknown bytes" if head else "nothing"


IMAGE_TYPES = ("WebP", "JPEG", "PNG")
EXPECTED_TYPE = {"video": "MP4", "thumbnail": "WebP", "spritesheet": "JPEG"}


class Sniffer:
    """A download sink that keeps the first bytes, a count, and the whole file only while it is at most ``keep``
    bytes (a 2 GB video never sits in memory)."""

    def __init__(self, keep: int = 0) -> None:
        self.head = b""
        self.count = 0
        self.keep = keep
        self.kept: bytearray | None = bytearray() if keep else None

    def write(self, data: bytes) -> int:
        if len(self.head) < 16:
            self.head += data[: 16 - len(self.head)]
        self.count += len(data)
        if self.kept is not None:
            if len(self.kept) + len(data) > self.keep:
                self.kept = None
            else:
                self.kept += data
        return len(data)


def id_shape(video_id: str) -> str:
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", video_id, re.IGNORECASE):
        return "uuid"
    match = re.fullmatch(r"((?:[A-Za-z]+_)*)(.*)", video_id, re.DOTALL)
    prefix, body = match.group(1), match.group(2)
    if re.fullmatch(r"[0-9a-f]+", body):
        kind = "hex"
    elif re.fullmatch(r"[A-Za-z0-9]+", body) and len(body) < 64:
        kind = "letters and digits"
    elif re.fullmatch(r"[A-Za-z0-9+/=_-]+", body):
        kind = "base64"
    else:
        kind = "characters"
    return f"{prefix} + {len(body)} {kind}" if prefix else f"{len(body)} {kind}"


def seg(video_id: str) -> str:
    """An id as one path segment."""
    return quote(video_id, safe="")


def png(size: str) -> bytes:
    width, height = (int(part) for part in size.lower().split("x"))
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 200, 200)).save(out, format="PNG")
    return out.getvalue()
