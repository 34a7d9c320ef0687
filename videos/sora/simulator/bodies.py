"""Request bodies of the simulator, read within bounds, and the checks every input goes through first.

- JSON bodies are read from the stream in chunks, up to ``JSON_BODY_LIMIT`` (enough for the contract's largest
  ``input_reference.image_url``, 20,971,520 characters), so the site-wide DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, for
  the studio's own forms) does not turn a legal create into a 413. A longer body is a 413 before it is read.
- Multipart uploads stream to temporary files, each file field within its limit (``UPLOAD_LIMITS``): the parse
  stops at the first byte over it and the request is answered with a 400 naming the field.
- Every string that came in (JSON keys and values at any depth, form fields, query parameters, ids in the path)
  must be storable: no NUL character and no unpaired surrogate (PostgreSQL refuses the first, every database
  driver the second). Otherwise the request is a 400 naming the field, before anything touches the database.
- An ``input_reference`` image is judged from its header (format, width, height) before a single pixel is
  decoded, so an image bomb (a small file claiming 13000x13000 pixels) costs nothing.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from PIL import Image, UnidentifiedImageError

from videos.sora.catalog import IMAGE_FORMATS

from .errors import ApiError, supported

MIB = 1024 * 1024
IMAGE_URL_MAX_LENGTH = 20_971_520  # the contract's maxLength of input_reference.image_url
JSON_BODY_LIMIT = IMAGE_URL_MAX_LENGTH + 2 * MIB  # the longest image_url plus the longest prompt, escaped
IMAGE_UPLOAD_LIMIT = 20 * MIB
VIDEO_UPLOAD_LIMIT = 100 * MIB  # an MP4 for edits, extensions and characters
UPLOAD_LIMITS = {"input_reference": IMAGE_UPLOAD_LIMIT, "video": VIDEO_UPLOAD_LIMIT}
MULTIPART_BODY_LIMIT = VIDEO_UPLOAD_LIMIT + IMAGE_UPLOAD_LIMIT + 4 * MIB
READ_CHUNK = 256 * 1024
# Images that are resized rather than required to match (servers other than the contract): the largest decoded.
MAX_REFERENCE_SIDE = 4096


def bad_text(value: str) -> bool:
    """True when ``value`` cannot be stored: a NUL character or an unpaired surrogate."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable(param: str | None) -> ApiError:
    name = f"'{param}'" if param else "request argument"
    return ApiError(
        400,
        f"Invalid {name}: the text contains a NUL character or an unpaired surrogate, which cannot be accepted.",
        param=param,
        code="invalid_value",
    )


def check_storable(value, param: str | None) -> None:
    """Raise a 400 naming ``param`` when ``value`` (a str, or JSON at any depth) holds unstorable text."""
    if isinstance(value, str):
        if bad_text(value):
            raise unstorable(param)
    elif isinstance(value, dict):
        for key, item in value.items():
            if bad_text(key):
                raise unstorable(param)
            check_storable(item, param)
    elif isinstance(value, list):
        for item in value:
            check_storable(item, param)


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is too large: the limit is {limit // MIB} MiB.")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def read_json_bytes(request: HttpRequest, limit: int = JSON_BODY_LIMIT) -> bytes:
    """The raw body, read in chunks and refused past ``limit`` (never the site-wide upload limit)."""
    if hasattr(request, "_body"):  # already read (by a test or a middleware): use it
        raw = request._body
        if len(raw) > limit:
            raise too_large(limit)
        return raw
    if _declared_length(request) > limit:
        raise too_large(limit)
    chunks, total = [], 0
    while True:
        chunk = request.read(READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class _LimitUploads(FileUploadHandler):
    """First in the handler chain: counts each file's bytes and stops the parse at the first one over its limit."""

    def __init__(self, request: HttpRequest, limits: dict[str, int], default: int) -> None:
        super().__init__(request)
        self.limits, self.default = limits, default
        self.received = 0
        self.over: str | None = None

    def new_file(self, field_name, *args, **kwargs) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limits.get(self.field_name, self.default):
            self.over = self.field_name
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int):
        return None


@dataclass
class Body:
    """A request body as fields + files (JSON or multipart/form-urlencoded), every string already checked."""

    fields: dict
    files: dict = field(default_factory=dict)
    is_json: bool = True

    @classmethod
    def parse(cls, request: HttpRequest, *, limits: dict[str, int] | None = None) -> Body:
        content_type = request.content_type or ""
        if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
            return cls._form(request, UPLOAD_LIMITS if limits is None else limits)
        raw = read_json_bytes(request)
        if not raw.strip():
            return cls(fields={})
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
                "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
                "JSON.)",
            ) from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid body: expected a JSON object.", code="invalid_type")
        for key, value in data.items():
            check_storable(key, None)
            check_storable(value, key)
        return cls(fields=data)

    @classmethod
    def _form(cls, request: HttpRequest, limits: dict[str, int]) -> Body:
        if _declared_length(request) > MULTIPART_BODY_LIMIT:
            raise too_large(MULTIPART_BODY_LIMIT)
        limiter = _LimitUploads(request, limits, IMAGE_UPLOAD_LIMIT)
        # Per request, before the body is touched: every file goes to a temporary file, within its limit.
        request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise ApiError(413, "The form fields of the request are too large.") from None
        except (TooManyFieldsSent, TooManyFilesSent):
            raise ApiError(400, "The request has too many form fields or files.") from None
        except MultiPartParserError:
            raise ApiError(400, "The multipart body of the request could not be parsed.") from None
        if limiter.over is not None:
            limit = limits.get(limiter.over, IMAGE_UPLOAD_LIMIT)
            check_storable(limiter.over, None)
            raise ApiError(
                400,
                f"Invalid '{limiter.over}': the file is larger than {limit // MIB} MiB.",
                param=limiter.over,
                code="file_too_large",
            )
        fields = {}
        for key in post:
            check_storable(key, None)
            value = post.get(key)
            check_storable(value, key)
            fields[key] = value
        for key in files:
            check_storable(key, None)
        return cls(fields=fields, files={key: files[key] for key in files}, is_json=False)

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in list(self.fields) + list(self.files):
            if key not in allowed:
                raise ApiError(400, f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter")


# ---------------------------------------------------------------------------------------------------------------
# Reference images
# ---------------------------------------------------------------------------------------------------------------
def invalid_image_format() -> ApiError:
    return ApiError(
        400,
        f"Invalid file format for 'input_reference'. Supported formats are: {supported(IMAGE_FORMATS.values())}.",
        param="input_reference",
        code="invalid_image_format",
    )


def wrong_pixels() -> ApiError:
    return ApiError(400, "Inpaint image must match the requested width and height")


def image_header(source) -> tuple[str | None, tuple[int, int] | None]:
    """(format, (width, height)) from the image's header alone; (None, None) when it is not an image.

    Pillow's ``open`` reads only the header; it refuses (DecompressionBombError) past twice its pixel limit, which
    is reported as an unknown size here (the caller refuses it whatever it needs).
    """
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    elif hasattr(source, "seek"):
        source.seek(0)
    try:
        with Image.open(source) as image:
            return image.format, image.size
    except Image.DecompressionBombError:
        return "", None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None, None


def reference_png(source, size: str, *, exact: bool) -> bytes:
    """Check an input_reference image and return it as PNG bytes of ``size`` for the renderer.

    ``exact``: the contract's rule (the image must be exactly ``size``, else the Inpaint 400). Otherwise the image
    is resized, as servers that take any reference do, but never one with a side over MAX_REFERENCE_SIDE. Either
    way the header decides before anything is decoded.
    """
    image_format, dimensions = image_header(source)
    if image_format is None or (image_format and image_format not in IMAGE_FORMATS):
        raise invalid_image_format()
    width, height = (int(part) for part in size.split("x"))
    if exact and dimensions != (width, height):
        raise wrong_pixels()
    if dimensions is None or max(dimensions) > MAX_REFERENCE_SIDE:
        raise ApiError(
            400,
            f"Invalid 'input_reference': images larger than {MAX_REFERENCE_SIDE} pixels on a side are not accepted.",
            param="input_reference",
            code="invalid_value",
        )
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source) as image:
            image.draft("RGB", (width, height))  # JPEG: decode at a reduced scale when that is enough
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise invalid_image_format() from None
    if rgb.size != (width, height):
        rgb = rgb.resize((width, height))
    out = io.BytesIO()
    rgb.save(out, format="PNG")
    return out.getvalue()


def video_reference(body: Body, expected: str) -> str | None:
    """The id in an edit's or extension's `video` field (`{"id": ...}`, in multipart also as JSON text or the bare
    id), or None when there is none; a wrong shape is the contract's 400 naming what was `expected`."""
    from .errors import ApiError

    ref = body.fields.get("video")
    if isinstance(ref, str) and not body.is_json:
        try:
            ref = json.loads(ref)
        except ValueError:
            ref = {"id": ref}
    if ref is None:
        return None
    if not isinstance(ref, dict) or set(ref) != {"id"} or not isinstance(ref["id"], str):
        raise ApiError(400, f"Invalid 'video': expected {expected}.", param="video", code="invalid_value")
    return ref["id"]
