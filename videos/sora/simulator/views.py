"""HTTP side of the simulator: the ``/v1/videos`` paths, bearer auth, validation, errors and faults.

Every response carries ``x-request-id: req_…``; every error is ``{"error": {message, type, param, code}}``.
Views are csrf_exempt and need no Django login: the bearer key is the only credential, and each key sees only
its own jobs (stored by SHA-256 of the key).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import io
import json
import logging
import secrets
import socket
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from PIL import Image, UnidentifiedImageError

from videos.sora.catalog import (
    ALL_SIZES,
    CONTENT,
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    IMAGE_FORMATS,
    MODELS,
    PROMPT_MAX_LENGTH,
    SECONDS,
)

from . import faults, jobs, webhooks
from .models import SimApiKey, SimCharacter, SimFault, SimVideo
from .render import (
    REFERENCE_FILE,
    SPRITESHEET_FILE,
    THUMBNAIL_FILE,
    VIDEO_FILE,
    seed_of,
)

logger = logging.getLogger(__name__)

FILES = {"video": VIDEO_FILE, "thumbnail": THUMBNAIL_FILE, "spritesheet": SPRITESHEET_FILE}
MAX_EXTENDED_SECONDS = 120
CHARACTER_NAME_MAX = 80
INVALID = "invalid_request_error"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        response = HttpResponse(jobs.dumps(body), status=self.status, content_type="application/json")
        for name, value in self.headers.items():
            response[name] = value
        return response


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(jobs.dumps(data), status=status, content_type="application/json")


def _supported(values) -> str:
    quoted = [f"'{value}'" for value in values]
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 2 else " and ".join(quoted)


def _invalid_value(param: str, value, values) -> ApiError:
    return ApiError(
        400, f"Invalid value: '{value}'. Supported values are: {_supported(values)}.", param=param, code="invalid_value"
    )


# ---------------------------------------------------------------------------------------------------------------
# The wrapper: request id, method check, auth, faults
# ---------------------------------------------------------------------------------------------------------------
def _invalid_type(param: str, expected: str, got: str) -> ApiError:
    return ApiError(400, f"Invalid type for '{param}': expected {expected}, but got {got} instead.", param=param,
                    code="invalid_type")  # fmt: skip


def _key_hash(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using "
            "Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    allowed = [*settings.SIM_API_KEYS, settings.SIMULATOR_API_KEY]  # the studio's own key always works
    if settings.SIM_API_KEYS and not any(hmac.compare_digest(key.encode(), str(c).encode()) for c in allowed):
        raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
    return hashlib.sha256(key.encode()).hexdigest()


def _fault_response(fault: faults.Fault) -> HttpResponse:
    headers = {}
    if fault.retry_after:
        headers["retry-after"] = fault.retry_after
    if fault.retry_after_ms:
        headers["retry-after-ms"] = fault.retry_after_ms
    if fault.status == 429:
        error = ApiError(
            429,
            "Rate limit reached for requests (simulated). Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
            headers=headers,
        )
    elif fault.status >= 500:
        message = (
            "The server is currently overloaded, please try again later (simulated)."
            if fault.status == 503
            else "The server had an error while processing your request. Sorry about that! (simulated)"
        )
        error = ApiError(fault.status, message, type="server_error", headers=headers)
    else:
        error = ApiError(fault.status, f"Simulated error {fault.status}.", headers=headers)
    return error.response()


def _socket_of(environ: dict) -> socket.socket | None:
    """The client connection under the WSGI input stream (Django's runserver/live_server and gunicorn), if found."""
    pending = [(environ.get("wsgi.input"), 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, socket.socket):
            return current
        if current is None or depth > 6:
            continue
        for name in ("_read", "__self__", "stream", "raw", "_sock", "sock", "reader", "unreader", "rfile", "_stream"):
            child = getattr(current, name, None)
            if child is not None and child is not current:
                pending.append((child, depth + 1))
    return None


def _cut_off(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The same headers and Content-Length, but only half the body, then the connection breaks."""
    if isinstance(response, FileResponse | StreamingHttpResponse):
        content = b"".join(response.streaming_content)
        response.close()
    else:
        content = response.content
    length = len(content)

    def stream():
        yield content[: length // 2]
        connection = _socket_of(request.META)
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionAbortedError("simulated cut-off download")

    cut = StreamingHttpResponse(stream(), status=response.status_code, content_type=response["Content-Type"])
    cut["Content-Length"] = str(length)
    return cut


def api(*methods: str, content: bool = False):
    """Wrap a view: request id, allowed methods, bearer auth, faults, errors as envelopes."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
            request_id = "req_" + secrets.token_hex(16)
            fault = None
            try:
                if request.method not in methods:
                    raise ApiError(405, f"Invalid method for URL ({request.method} {_v1_path(request)}).")
                key_hash = _key_hash(request)
                fault = faults.take_http(request.method, _v1_path(request, prefix=False), content=content)
                if fault is not None and fault.kind == SimFault.Kind.DELAY:
                    time.sleep(fault.delay_seconds)
                if fault is not None and fault.kind == SimFault.Kind.STATUS:
                    response = _fault_response(fault)
                else:
                    response = view(request, key_hash=key_hash, **kwargs)
                    if fault is not None and fault.kind == SimFault.Kind.CUTOFF:
                        response = _cut_off(request, response)
            except ApiError as error:
                response = error.response()
            except Exception:
                logger.exception("simulator %s %s failed", request.method, request.path)
                response = ApiError(
                    500, "The server had an error while processing your request.", type="server_error"
                ).response()
            webhooks.resume_due()
            response["x-request-id"] = request_id
            if request.method in methods and 400 <= response.status_code < 500 and response.status_code != 429:
                response["x-should-retry"] = "false"
            return response

        return wrapper

    return decorate


def _v1_path(request: HttpRequest, *, prefix: bool = True) -> str:
    path = request.path
    marker = "/v1/"
    tail = path[path.index(marker) + len(marker) :] if marker in path else path.lstrip("/")
    return f"/v1/{tail}" if prefix else tail


# ---------------------------------------------------------------------------------------------------------------
# Body parsing and validation
# ---------------------------------------------------------------------------------------------------------------
class Body:
    """A request body as fields + files, from JSON or multipart/form-urlencoded."""

    def __init__(self, request: HttpRequest) -> None:
        content_type = request.content_type or ""
        self.files: dict = {}
        if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
            self.is_json = False
            self.fields = {key: request.POST.get(key) for key in request.POST}
            self.files = {key: request.FILES[key] for key in request.FILES}
            return
        self.is_json = True
        try:
            raw = request.body
        except RequestDataTooBig:
            raise ApiError(413, "The request body is too large.") from None
        if not raw.strip():
            self.fields = {}
            return
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
                "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
                "JSON.)",
            ) from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid body: expected a JSON object.", code="invalid_type")
        self.fields = data

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in list(self.fields) + list(self.files):
            if key not in allowed:
                raise ApiError(400, f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter")


def _prompt(body: Body) -> str:
    if "prompt" not in body.fields or body.fields["prompt"] is None:
        raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    prompt = body.fields["prompt"]
    if not isinstance(prompt, str):
        raise _invalid_type("prompt", "a string", _json_type(prompt))
    if not prompt:
        raise ApiError(
            400,
            "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string "
            "instead.",
            param="prompt",
            code="string_below_min_length",
        )
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length {PROMPT_MAX_LENGTH}, but got a "
            f"string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return prompt


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "a string"


def _string_field(body: Body, name: str, default: str) -> str:
    value = body.fields.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _invalid_type(name, "a string", _json_type(value))
    return value


def _model(body: Body, default: str = DEFAULT_MODEL) -> str:
    model = _string_field(body, "model", default)
    if model not in MODELS:
        raise _invalid_value("model", model, MODELS)
    return model


def _seconds(body: Body, name: str = "seconds") -> str:
    value = body.fields.get(name)
    if value is None:
        return DEFAULT_SECONDS
    if not isinstance(value, str):
        choices = _supported(SECONDS).replace(", and", ", or").replace(" and ", " or ")
        raise _invalid_type(name, f"one of {choices}", _json_type(value))
    if value not in SECONDS:
        raise _invalid_value(name, value, SECONDS)
    return value


def _size(body: Body, model: str) -> str:
    size = _string_field(body, "size", DEFAULT_SIZE)
    if size not in ALL_SIZES:
        raise _invalid_value("size", size, ALL_SIZES)
    allowed = MODELS[model].sizes
    if size not in allowed:
        raise ApiError(
            400,
            f"Invalid value: '{size}'. The size '{size}' is not supported by model '{model}'. Supported sizes for "
            f"'{model}' are: {_supported(allowed)}.",
            param="size",
            code="invalid_value",
        )
    return size


def _image(data: bytes, size: str) -> bytes:
    """Check an input_reference image (type and exact pixels); return it as PNG bytes for the renderer."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            dimensions = image.size
            if image_format in IMAGE_FORMATS:
                image.load()
                out = io.BytesIO()
                image.convert("RGB").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        image_format = None
    if image_format not in IMAGE_FORMATS:
        raise ApiError(
            400,
            f"Invalid file format for 'input_reference'. Supported formats are: {_supported(IMAGE_FORMATS.values())}.",
            param="input_reference",
            code="invalid_image_format",
        )
    width, height = (int(part) for part in size.split("x"))
    if dimensions != (width, height):
        raise ApiError(400, "Inpaint image must match the requested width and height")
    return out.getvalue()


def _input_reference(body: Body, size: str) -> bytes | None:
    if not body.is_json:
        if "input_reference" in body.fields:
            raise _invalid_type("input_reference", "a file", "a string")
        upload = body.files.get("input_reference")
        if upload is None:
            return None
        return _image(upload.read(), size)
    reference = body.fields.get("input_reference")
    if reference is None:
        return None
    if not isinstance(reference, dict):
        raise _invalid_type("input_reference", "an object", _json_type(reference))
    keys = set(reference)
    if keys - {"image_url", "file_id"} or len(keys) != 1:
        raise ApiError(
            400,
            "Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id', and no other keys.",
            param="input_reference",
            code="invalid_value",
        )
    value = next(iter(reference.values()))
    if not isinstance(value, str) or not value:
        raise ApiError(400, "Invalid 'input_reference': expected a non-empty string.", param="input_reference", code="invalid_type")
    if "image_url" in reference and value.startswith("data:"):
        header, _, encoded = value.partition(",")
        try:
            data = base64.b64decode(encoded, validate=True) if header.endswith(";base64") else b""
        except (binascii.Error, ValueError):
            data = b""
        return _image(data, size)
    if "image_url" in reference and not value.startswith(("http://", "https://")):
        raise ApiError(400, "Invalid 'input_reference.image_url': expected a URL or a data URL.", param="input_reference", code="invalid_value")
    # An http(s) URL is never fetched (no SSRF) and the simulator has no Files API: accepted, not used.
    return None


def _characters(body: Body, key_hash: str) -> None:
    characters = body.fields.get("characters")
    if characters is None:
        return
    if isinstance(characters, str) and not body.is_json:
        try:
            characters = json.loads(characters)
        except ValueError:
            characters = None
    if not isinstance(characters, list) or len(characters) > 2 or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in characters
    ):
        raise ApiError(400, "Invalid 'characters': expected at most 2 objects like {\"id\": \"char_...\"}.", param="characters", code="invalid_value")
    for item in characters:
        if not SimCharacter.objects.filter(id=item["id"], key_hash=key_hash).exists():
            raise ApiError(404, f"No character found with id '{item['id']}'.", param="characters")


def _own_video(video_id: str, key_hash: str, param: str = "video_id") -> SimVideo:
    job = SimVideo.objects.filter(id=video_id, key_hash=key_hash).first()
    if job is None:
        raise ApiError(404, f"Video with id '{video_id}' not found.", param=param)
    return jobs.refresh(job)


def _completed_source(video_id: str, key_hash: str, action: str, param: str = "video_id") -> SimVideo:
    source = _own_video(video_id, key_hash, param)
    if source.status != SimVideo.Status.COMPLETED:
        raise ApiError(
            400,
            f"Video '{video_id}' is {source.status}; only a completed video can be used for a {action}.",
            param=param,
            code="invalid_value",
        )
    return source


def _moderation(prompt: str) -> tuple[str, str]:
    lowered = prompt.lower()
    for word in settings.SIM_MODERATION_WORDS:
        if word and str(word).lower() in lowered:
            return "moderation_blocked", "Your request was blocked by our moderation system."
    return "", ""


def _create_job(
    request: HttpRequest,
    key_hash: str,
    *,
    kind: str,
    prompt: str,
    model: str,
    size: str,
    seconds: str,
    palette_prompt_seed: int,
    reference: bytes | None = None,
    remixed_from: str | None = None,
    source: str | None = None,
) -> HttpResponse:
    """Create the job (checking the key's in-flight limit under a lock) and start its renderer after commit."""
    fail_code, fail_message = _moderation(prompt)
    jobs.sweep_expired()
    with transaction.atomic():
        SimApiKey.objects.get_or_create(key_hash=key_hash)
        SimApiKey.objects.select_for_update().get(key_hash=key_hash)  # serialises this key's creates
        limit = settings.SIM_MAX_IN_FLIGHT
        if limit > 0:
            in_flight = 0
            for job in SimVideo.objects.filter(key_hash=key_hash, status__in=SimVideo.PENDING):
                if jobs.refresh(job, kick=False).status in SimVideo.PENDING:
                    in_flight += 1
            if in_flight >= limit:
                raise ApiError(
                    429,
                    f"Too many videos in progress for this API key (limit {limit}). Wait for one to finish.",
                    type="requests",
                    code="rate_limit_exceeded",
                    headers={"retry-after": "1"},
                )
        injected = faults.take_job_failure(_v1_path(request, prefix=False))
        if injected is not None and not fail_code:
            fail_code, fail_message = injected.code, "Video generation failed (simulated)."
        now = time.time()
        created_at = int(now)
        video_id = jobs.new_video_id(created_at)
        directory = jobs.media_root() / video_id
        job = SimVideo.objects.create(
            id=video_id,
            key_hash=key_hash,
            kind=kind,
            model=model,
            size=size,
            seconds=seconds,
            prompt=prompt,
            created_at=created_at,
            created=now,
            render_seconds=settings.SIM_RENDER_SECONDS,
            remixed_from_video_id=remixed_from,
            source_video_id=source,
            palette_seed=str(palette_prompt_seed),
            fail_code=fail_code,
            fail_message=fail_message,
            media_dir=str(directory),
            has_reference=reference is not None,
        )
        if reference is not None:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / REFERENCE_FILE).write_bytes(reference)
        jobs.claim_and_start(job.pk, now=now)
    return _video_response(SimVideo.objects.get(pk=job.pk))


def _video_response(job: SimVideo) -> HttpResponse:
    response = _json(jobs.payload(job))
    if job.status in SimVideo.PENDING:
        response["openai-poll-after-ms"] = str(_poll_after_ms(job))
    return response


def _poll_after_ms(job: SimVideo) -> int:
    if settings.SIM_POLL_AFTER_MS is not None:
        return settings.SIM_POLL_AFTER_MS
    return int(max(100, min(job.render_seconds * 1000 / 10, 10_000)))


def _probe_video(upload) -> tuple[str, float]:
    """(size, duration) of an uploaded MP4, or a 400 on param ``video``."""
    import av

    try:
        with av.open(upload, mode="r") as container:
            stream = container.streams.video[0]
            size = f"{stream.codec_context.width}x{stream.codec_context.height}"
            duration = (container.duration or 0) / 1_000_000
    except (av.FFmpegError, IndexError, ValueError, OSError):
        raise ApiError(400, "Invalid file for 'video': expected an MP4 video.", param="video", code="invalid_value") from None
    return size, duration


def _video_ref(body: Body, key_hash: str, action: str) -> SimVideo | tuple[str, float]:
    """The ``video`` of an edit/extension: a completed job ({"id"} or its id) or an uploaded MP4 (size, duration)."""
    upload = body.files.get("video")
    if upload is not None:
        return _probe_video(upload)
    ref = body.fields.get("video")
    if isinstance(ref, str) and not body.is_json:
        try:
            ref = json.loads(ref)
        except ValueError:
            ref = {"id": ref}
    if ref is None:
        raise ApiError(400, "Missing required parameter: 'video'.", param="video", code="missing_required_parameter")
    if not isinstance(ref, dict) or set(ref) != {"id"} or not isinstance(ref["id"], str):
        raise ApiError(400, "Invalid 'video': expected {\"id\": \"video_...\"} or an MP4 file.", param="video", code="invalid_value")
    return _completed_source(ref["id"], key_hash, action, param="video")


# ---------------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------------
@api("GET", "POST")
def videos(request: HttpRequest, *, key_hash: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, key_hash)
    return _list(request, key_hash)


def _create(request: HttpRequest, key_hash: str) -> HttpResponse:
    body = Body(request)
    body.reject_unknown({"prompt", "model", "size", "seconds", "input_reference", "characters"})
    prompt = _prompt(body)
    model = _model(body)
    size = _size(body, model)
    seconds = _seconds(body)
    reference = _input_reference(body, size)
    _characters(body, key_hash)
    return _create_job(
        request, key_hash, kind=SimVideo.Kind.CREATE, prompt=prompt, model=model, size=size, seconds=seconds,
        palette_prompt_seed=seed_of(prompt), reference=reference,
    )  # fmt: skip


def _list(request: HttpRequest, key_hash: str) -> HttpResponse:
    params = request.GET
    raw_limit = params.get("limit", "20")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise _invalid_type("limit", "an integer", f"'{raw_limit}'") from None
    if limit < 0:
        raise ApiError(400, f"Invalid 'limit': integer below minimum value. Expected a value >= 0, but got {limit} instead.", param="limit", code="integer_below_min_value")
    if limit > 100:
        raise ApiError(400, f"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {limit} instead.", param="limit", code="integer_above_max_value")
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise _invalid_value("order", order, ("asc", "desc"))
    queryset = SimVideo.objects.filter(key_hash=key_hash)
    after = params.get("after")
    if after:
        cursor = queryset.filter(id=after).values_list("seq", flat=True).first()
        if cursor is None:
            raise ApiError(400, f"Invalid 'after': no video found with id '{after}'.", param="after", code="invalid_value")
        queryset = queryset.filter(seq__lt=cursor) if order == "desc" else queryset.filter(seq__gt=cursor)
    queryset = queryset.order_by("-seq" if order == "desc" else "seq")
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    page = [jobs.refresh(job) for job in rows[:limit]]
    return _json(
        {
            "object": "list",
            "data": [jobs.payload(job) for job in page],
            "first_id": page[0].id if page else None,
            "last_id": page[-1].id if page else None,
            "has_more": has_more,
        }
    )


@api("GET", "DELETE")
def video(request: HttpRequest, video_id: str, *, key_hash: str) -> HttpResponse:
    job = _own_video(video_id, key_hash)
    if request.method == "GET":
        return _video_response(job)
    if job.status in SimVideo.PENDING:
        raise ApiError(
            400,
            f"Video '{video_id}' is {job.status}; only a completed or failed video can be deleted.",
            param="video_id",
            code="invalid_value",
        )
    if SimVideo.objects.filter(pk=job.pk).delete()[0]:
        jobs.delete_media(job)
    return _json({"id": job.id, "object": "video.deleted", "deleted": True})


@api("GET", content=True)
def content(request: HttpRequest, video_id: str, *, key_hash: str) -> HttpResponse:
    variant = request.GET.get("variant", "video")
    if variant not in CONTENT:
        raise _invalid_value("variant", variant, CONTENT)
    job = _own_video(video_id, key_hash)
    if job.status == SimVideo.Status.FAILED:
        raise ApiError(404, f"Video '{video_id}' failed to generate; it has no content.", param="video_id")
    if job.status != SimVideo.Status.COMPLETED:
        raise ApiError(404, f"Video is not ready yet. Its status is '{job.status}' ({job.progress}%).", param="video_id")
    if job.expires_at is not None and time.time() >= job.expires_at:
        jobs.delete_media(job)
        raise ApiError(404, f"The content of video '{video_id}' has expired (expires_at {job.expires_at}).", param="video_id")
    mime, extension = CONTENT[variant]
    path = Path(job.media_dir) / FILES[variant]
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ApiError(404, f"The content of video '{video_id}' is no longer available.", param="video_id") from None
    response = FileResponse(handle, content_type=mime, as_attachment=False, filename=f"{job.id}.{extension}")
    response["Content-Length"] = str(path.stat().st_size)
    return response


@api("POST")
def remix(request: HttpRequest, video_id: str, *, key_hash: str) -> HttpResponse:
    body = Body(request)
    body.reject_unknown({"prompt"})
    source = SimVideo.objects.filter(id=video_id, key_hash=key_hash).first()
    if source is None:
        raise ApiError(404, f"Video with id '{video_id}' not found.", param="video_id")
    prompt = _prompt(body)
    source = _completed_source(video_id, key_hash, "remix")
    hours = settings.SIM_REMIX_WINDOW_HOURS
    if hours > 0 and time.time() > source.created_at + hours * 3600:
        raise ApiError(
            400,
            f"Video '{video_id}' can no longer be remixed: remixes are allowed for {hours} hours after creation.",
            param="video_id",
            code="invalid_value",
        )
    return _create_job(
        request, key_hash, kind=SimVideo.Kind.REMIX, prompt=prompt, model=source.model, size=source.size,
        seconds=source.seconds, palette_prompt_seed=int(source.palette_seed), remixed_from=source.id,
    )  # fmt: skip


@api("POST")
def edits(request: HttpRequest, *, key_hash: str) -> HttpResponse:
    body = Body(request)
    body.reject_unknown({"prompt", "video", "model"})
    prompt = _prompt(body)
    ref = _video_ref(body, key_hash, "edit")
    if isinstance(ref, SimVideo):
        model = _model(body, default=ref.model)
        return _create_job(
            request, key_hash, kind=SimVideo.Kind.EDIT, prompt=prompt, model=model, size=ref.size, seconds=ref.seconds,
            palette_prompt_seed=int(ref.palette_seed), remixed_from=ref.id, source=ref.id,
        )  # fmt: skip
    if body.fields.get("model") is None:
        raise ApiError(400, "Missing required parameter: 'model' (required with an uploaded video).", param="model", code="missing_required_parameter")
    model = _model(body)
    size, duration = ref
    _check_uploaded_size(size, model)
    seconds = min(SECONDS, key=lambda value: abs(int(value) - duration))
    return _create_job(
        request, key_hash, kind=SimVideo.Kind.EDIT, prompt=prompt, model=model, size=size, seconds=seconds,
        palette_prompt_seed=seed_of(prompt),
    )  # fmt: skip


@api("POST")
def extensions(request: HttpRequest, *, key_hash: str) -> HttpResponse:
    body = Body(request)
    body.reject_unknown({"prompt", "video", "seconds", "model"})
    prompt = _prompt(body)
    segment = _seconds(body)
    ref = _video_ref(body, key_hash, "extension")
    if isinstance(ref, SimVideo):
        model, size, base, palette, source = ref.model, ref.size, int(ref.seconds), int(ref.palette_seed), ref.id
    else:
        model = _model(body)
        size, duration = ref
        _check_uploaded_size(size, model)
        base, palette, source = max(1, round(duration)), seed_of(prompt), None
    total = base + int(segment)
    if total > MAX_EXTENDED_SECONDS:
        raise ApiError(
            400,
            f"Invalid 'seconds': the extended video would be {total} seconds; the maximum is {MAX_EXTENDED_SECONDS}.",
            param="seconds",
            code="invalid_value",
        )
    return _create_job(
        request, key_hash, kind=SimVideo.Kind.EXTENSION, prompt=prompt, model=model, size=size, seconds=str(total),
        palette_prompt_seed=palette, source=source,
    )  # fmt: skip


def _check_uploaded_size(size: str, model: str) -> None:
    if size not in MODELS[model].sizes:
        raise ApiError(
            400,
            f"Invalid 'video': its size {size} is not supported by model '{model}'. Supported sizes are: "
            f"{_supported(MODELS[model].sizes)}.",
            param="video",
            code="invalid_value",
        )


@api("POST")
def characters(request: HttpRequest, *, key_hash: str) -> HttpResponse:
    body = Body(request)
    body.reject_unknown({"name", "video"})
    name = body.fields.get("name")
    if name is None:
        raise ApiError(400, "Missing required parameter: 'name'.", param="name", code="missing_required_parameter")
    if not isinstance(name, str) or not 1 <= len(name) <= CHARACTER_NAME_MAX:
        raise ApiError(
            400, f"Invalid 'name': expected a string of 1 to {CHARACTER_NAME_MAX} characters.", param="name", code="invalid_value"
        )
    _video_ref(body, key_hash, "character")
    character = SimCharacter.objects.create(
        id="char_" + secrets.token_hex(16), key_hash=key_hash, name=name, created_at=int(time.time())
    )
    return _json({"id": character.id, "name": character.name, "created_at": character.created_at})


@api("GET")
def character(request: HttpRequest, character_id: str, *, key_hash: str) -> HttpResponse:
    found = SimCharacter.objects.filter(id=character_id, key_hash=key_hash).first()
    if found is None:
        raise ApiError(404, f"Character with id '{character_id}' not found.", param="character_id")
    return _json({"id": found.id, "name": found.name, "created_at": found.created_at})


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    response = ApiError(404, f"Invalid URL ({request.method} {_v1_path(request)})").response()
    response["x-request-id"] = "req_" + secrets.token_hex(16)
    return response
