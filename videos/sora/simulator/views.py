"""HTTP side of the simulator: the ``/v1/videos`` paths, bearer auth, routes per profile, errors and faults.

Mounted twice (config/urls.py): ``/sim/v1/`` is the contract (profile ``openai``) and ``/sim/<profile>/v1/`` any
profile of profiles.py. The wrapper ``api`` answers a route the profile does not serve as that server would (404 or
405), checks every text of the path and query string, authenticates, applies faults and renders errors in the
profile's shape. Views are csrf_exempt and need no Django login: the bearer key is the only credential, and each
key sees only its own jobs (stored by SHA-256 of the key), and only those made under the profile it calls.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import socket
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from assets.ranges import ranged_file_response
from videos.sora.catalog import CONTENT, MODELS, SECONDS

from . import dialects, faults, jobs, payloads, profiles, webhooks
from .bodies import Body, bad_text, unstorable, video_reference
from .errors import ApiError, dumps, invalid_value, supported
from .models import SimApiKey, SimCharacter, SimFault, SimVideo
from .profiles import (
    CHARACTER,
    CHARACTERS,
    CREATE,
    DELETE,
    EDITS,
    EXTENSIONS,
    LIST,
    REMIX,
    RETRIEVE,
    Answer,
    Deletion,
    Payload,
    Profile,
)
from .profiles import CONTENT as CONTENT_ROUTE
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


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(data), status=status, content_type="application/json")


def _answer(answer: Answer, *, param: str | None = None, **words) -> ApiError:
    return ApiError(answer.status, answer.message.format(**words), type=answer.type, param=param, code=answer.code)


# ---------------------------------------------------------------------------------------------------------------
# The wrapper: request id, routes, text checks, auth, faults
# ---------------------------------------------------------------------------------------------------------------
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


def _fault_error(fault: faults.Fault) -> ApiError:
    headers = {}
    if fault.retry_after:
        headers["retry-after"] = fault.retry_after
    if fault.retry_after_ms:
        headers["retry-after-ms"] = fault.retry_after_ms
    if fault.status == 429:
        return ApiError(
            429,
            "Rate limit reached for requests (simulated). Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
            headers=headers,
        )
    if fault.status >= 500:
        message = (
            "The server is currently overloaded, please try again later (simulated)."
            if fault.status == 503
            else "The server had an error while processing your request. Sorry about that! (simulated)"
        )
        return ApiError(fault.status, message, type="server_error", headers=headers)
    return ApiError(fault.status, f"Simulated error {fault.status}.", headers=headers)


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
    for header in ("Content-Range", "Accept-Ranges"):  # a cut part of a range is still that range
        if response.has_header(header):
            cut[header] = response[header]
    return cut


def _route_error(request: HttpRequest, profile: Profile, *, path_served: bool) -> ApiError:
    """A URL the profile's server has no route for: 405 when the path is served with another method (and the
    server says so), else the server's 404."""
    words = {"method": request.method, "path": _v1_path(request)}
    if path_served and profile.method_not_allowed:
        return ApiError(405, profile.texts.method_not_allowed.format(**words), style=profile.route_errors)
    return ApiError(404, profile.texts.invalid_url.format(**words), style=profile.route_errors)


def _check_texts(request: HttpRequest, kwargs: dict) -> None:
    """Ids in the path and every query parameter must be storable text (else a 400 naming it)."""
    for name, value in kwargs.items():
        if isinstance(value, str) and bad_text(value):
            raise unstorable(name)
    for name, values in request.GET.lists():
        if bad_text(name):
            raise unstorable(None)
        if any(bad_text(value) for value in values):
            raise unstorable(name)


def _finish(response: HttpResponse, profile: Profile, request_id: str, *, hint: bool) -> HttpResponse:
    webhooks.resume_due()
    if profile.request_id_header:
        response[profile.request_id_header] = request_id
    if hint and profile.retry_hint_header and 400 <= response.status_code < 500 and response.status_code != 429:
        response["x-should-retry"] = "false"
    return response


def api(routes: dict[str, str], *, content: bool = False, shadows_video_id: bool = False):
    """Wrap a view serving ``routes`` (method -> route name): the profile's routes and errors, auth, faults.

    ``shadows_video_id``: the path is ``videos/<word>``; on a server without this route it is ``videos/{video_id}``
    with that word as the id (how FastAPI and gin route ``POST /v1/videos/edits`` on such a server).
    """

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, profile: str = profiles.DEFAULT, **kwargs) -> HttpResponse:
            request_id = "req_" + secrets.token_hex(16)
            current = profiles.get(profile)
            if current is None:
                return _unknown_profile(request, request_id)
            style = current.content_errors if content else current.errors
            route = routes.get(request.method)
            served = route is not None and route in current.routes
            if shadows_video_id and not any(r in current.routes for r in routes.values()):
                return video(request, profile=profile, video_id=request.path.rstrip("/").rsplit("/", 1)[-1])
            fault = None
            try:
                if not served:
                    raise _route_error(request, current, path_served=any(r in current.routes for r in routes.values()))
                _check_texts(request, kwargs)
                key_hash = _key_hash(request)
                fault = faults.take_http(request.method, _v1_path(request, prefix=False), content=content)
                if fault is not None and fault.kind == SimFault.Kind.DELAY:
                    time.sleep(fault.delay_seconds)
                if fault is not None and fault.kind == SimFault.Kind.STATUS:
                    raise _fault_error(fault)
                response = view(request, key_hash=key_hash, profile=current, **kwargs)
                if fault is not None and fault.kind == SimFault.Kind.CUTOFF:
                    response = _cut_off(request, response)
            except ApiError as error:
                response = error.response(style)
            except Exception:
                logger.exception("simulator %s %s failed", request.method, request.path)
                response = ApiError(
                    500, "The server had an error while processing your request.", type="server_error"
                ).response(style)
            return _finish(response, current, request_id, hint=served)

        return wrapper

    return decorate


def _v1_path(request: HttpRequest, *, prefix: bool = True) -> str:
    path = request.path
    marker = "/v1/"
    tail = path[path.index(marker) + len(marker) :] if marker in path else path.lstrip("/")
    return f"/v1/{tail}" if prefix else tail


def _unknown_profile(request: HttpRequest, request_id: str) -> HttpResponse:
    contract = profiles.PROFILES[profiles.DEFAULT]
    response = _route_error(request, contract, path_served=False).response()
    return _finish(response, contract, request_id, hint=False)


# ---------------------------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------------------------
def _owned(key_hash: str, profile: Profile):
    return SimVideo.objects.filter(key_hash=key_hash, profile=profile.name)


def _own_video(video_id: str, key_hash: str, profile: Profile, param: str = "video_id") -> SimVideo:
    job = _owned(key_hash, profile).filter(id=video_id).first()
    if job is None:
        raise _answer(profile.texts.not_found, param=param, id=video_id)
    return jobs.refresh(job)


def _completed_source(video_id: str, key_hash: str, profile: Profile, action: str, param: str = "video_id") -> SimVideo:
    source = _own_video(video_id, key_hash, profile, param)
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
    profile: Profile,
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
    failure: tuple[str, str] = ("", ""),
) -> SimVideo:
    """Create the job (checking the key's in-flight limit under a lock) and start its renderer after commit."""
    fail_code, fail_message = _moderation(prompt)
    if not fail_code:
        fail_code, fail_message = failure
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
        video_id, upstream_id = jobs.new_ids(profile, created_at)
        directory = jobs.media_root() / upstream_id
        job = SimVideo.objects.create(
            id=video_id,
            upstream_id=upstream_id,
            profile=profile.name,
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
    return SimVideo.objects.get(pk=job.pk)


def _video_response(profile: Profile, job: SimVideo, status: int = 200) -> HttpResponse:
    response = _json(payloads.video(profile, job), status)
    if profile.poll_after_header and job.status in SimVideo.PENDING:
        response["openai-poll-after-ms"] = str(_poll_after_ms(job))
    return response


def _submitted(profile: Profile, job: SimVideo) -> HttpResponse:
    """The answer to a create or remix."""
    if profile.payload == Payload.RELAY:
        return _json(payloads.relay_submitted(job))
    return _video_response(profile, job)


def _poll_after_ms(job: SimVideo) -> int:
    if settings.SIM_POLL_AFTER_MS is not None:
        return settings.SIM_POLL_AFTER_MS
    return int(max(100, min(job.render_seconds * 1000 / 10, 10_000)))


def _probe_video(upload) -> tuple[str, float]:
    """(size, duration) of an uploaded MP4, or a 400 on param ``video``."""
    import av

    try:
        # format="mp4": an MP4 by its bytes (FFmpeg would otherwise open a PNG or any other format it probes).
        with av.open(upload, mode="r", format="mp4") as container:
            stream = container.streams.video[0]
            size = f"{stream.codec_context.width}x{stream.codec_context.height}"
            duration = (container.duration or 0) / 1_000_000
    except (av.FFmpegError, IndexError, ValueError, OSError):
        raise ApiError(400, "Invalid file for 'video': expected an MP4 video.", param="video", code="invalid_value") from None
    return size, duration


def _video_ref(body: Body, key_hash: str, profile: Profile, action: str) -> SimVideo | tuple[str, float]:
    """The ``video`` of an edit/extension: a completed job ({"id"} or its id) or an uploaded MP4 (size, duration)."""
    upload = body.files.get("video")
    if upload is not None:
        return _probe_video(upload)
    ref = video_reference(body, '{"id": "video_..."} or an MP4 file')
    if ref is None:
        raise ApiError(400, "Missing required parameter: 'video'.", param="video", code="missing_required_parameter")
    return _completed_source(ref, key_hash, profile, action, param="video")


# ---------------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------------
@api({"GET": LIST, "POST": CREATE})
def videos(request: HttpRequest, *, key_hash: str, profile: Profile) -> HttpResponse:
    if request.method == "POST":
        asked = dialects.parse_create(request, profile, key_hash)
        job = _create_job(
            request, key_hash, profile, kind=SimVideo.Kind.CREATE, prompt=asked.prompt, model=asked.model,
            size=asked.size, seconds=asked.seconds, palette_prompt_seed=seed_of(asked.prompt),
            reference=asked.reference, failure=(asked.fail_code, asked.fail_message),
        )  # fmt: skip
        return _submitted(profile, job)
    return _json(dialects.list_page(request, profile, _owned(key_hash, profile)))


@api({"GET": RETRIEVE, "DELETE": DELETE})
def video(request: HttpRequest, video_id: str, *, key_hash: str, profile: Profile) -> HttpResponse:
    job = _own_video(video_id, key_hash, profile)
    if request.method == "GET":
        failed = job.status == SimVideo.Status.FAILED
        status = payloads.vllm_failure_status(job) if failed and profile.failed_retrieve_is_error else 200
        return _video_response(profile, job, status)
    if profile.deletion == Deletion.FINISHED_ONLY:
        if job.status in SimVideo.PENDING:
            raise ApiError(
                400,
                f"Video '{video_id}' is {job.status}; only a completed or failed video can be deleted.",
                param="video_id",
                code="invalid_value",
            )
        jobs.remove(job)
        return _json({"id": job.id, "object": "video.deleted", "deleted": True})
    jobs.remove(job)  # a running job is cancelled: its renderer stops and removes what it wrote
    if profile.deletion == Deletion.FORGET:
        return _json(payloads.video(profile, job, status="deleted"))
    return _json({"id": job.id, "deleted": True, "object": "video.deleted"})


@api({"GET": CONTENT_ROUTE}, content=True)
def content(request: HttpRequest, video_id: str, *, key_hash: str, profile: Profile) -> HttpResponse:
    variant = request.GET.get("variant", "video") if profile.variants else "video"
    if variant not in CONTENT:
        raise invalid_value("variant", variant, CONTENT)
    job = _owned(key_hash, profile).filter(id=video_id).first()
    texts = profile.texts
    if job is None:
        raise _answer(texts.content_not_found or texts.not_found, param="video_id", id=video_id)
    job = jobs.refresh(job)
    words = {
        "id": video_id,
        "status": (texts.status_names or {}).get(job.status, job.status),
        "progress": job.progress,
        "expires_at": job.expires_at,
    }
    if job.status == SimVideo.Status.FAILED:
        raise _answer(texts.content_failed, param="video_id", **words)
    if job.status != SimVideo.Status.COMPLETED:
        raise _answer(texts.content_not_ready, param="video_id", **words)
    if payloads.is_expired(job):
        jobs.delete_media(job)
        raise _answer(texts.content_expired, param="video_id", **words)
    mime, extension = CONTENT[variant]
    path = Path(job.media_dir) / FILES[variant]
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ApiError(404, f"The content of video '{video_id}' is no longer available.", param="video_id") from None
    # One byte range when asked (Range: bytes=N-), as the file servers and CDNs behind real providers answer: a cut
    # download is resumed from where it stopped.
    return ranged_file_response(
        request, File(handle, name=path.name), content_type=mime, as_attachment=profile.download_attachment,
        filename=f"{job.id}.{extension}",
    )


@api({"POST": REMIX})
def remix(request: HttpRequest, video_id: str, *, key_hash: str, profile: Profile) -> HttpResponse:
    body = Body.parse(request)
    source = _owned(key_hash, profile).filter(id=video_id).first()
    if source is None:
        if profile.relays_upstream:  # ResolveOriginTask: the origin task is looked up first
            raise dialects.relay_task_error("task_not_exist", "task_origin_not_exist")
        raise _answer(profile.texts.not_found, param="video_id", id=video_id)
    if profile.relays_upstream:
        dialects.relay_remix_prompt(body)
    try:
        body.reject_unknown({"prompt"})
        prompt = dialects.prompt(body)
        source = _completed_source(video_id, key_hash, profile, "remix")
        hours = settings.SIM_REMIX_WINDOW_HOURS
        if hours > 0 and time.time() > source.created_at + hours * 3600:
            raise ApiError(
                400,
                f"Video '{video_id}' can no longer be remixed: remixes are allowed for {hours} hours after creation.",
                param="video_id",
                code="invalid_value",
            )
    except ApiError as error:
        if profile.relays_upstream:
            raise dialects.upstream_error(error) from None
        raise
    job = _create_job(
        request, key_hash, profile, kind=SimVideo.Kind.REMIX, prompt=prompt, model=source.model, size=source.size,
        seconds=source.seconds, palette_prompt_seed=int(source.palette_seed),
        remixed_from=dialects.remix_source_upstream_id(source, profile),
    )  # fmt: skip
    return _submitted(profile, job)


@api({"POST": EDITS}, shadows_video_id=True)
def edits(request: HttpRequest, *, key_hash: str, profile: Profile) -> HttpResponse:
    body = Body.parse(request)
    body.reject_unknown({"prompt", "video", "model"})
    prompt = dialects.prompt(body)
    ref = _video_ref(body, key_hash, profile, "edit")
    if isinstance(ref, SimVideo):
        model = dialects.model(body, default=ref.model)
        job = _create_job(
            request, key_hash, profile, kind=SimVideo.Kind.EDIT, prompt=prompt, model=model, size=ref.size,
            seconds=ref.seconds, palette_prompt_seed=int(ref.palette_seed),
            remixed_from=dialects.remix_source_upstream_id(ref, profile), source=ref.id,
        )  # fmt: skip
        return _submitted(profile, job)
    if body.fields.get("model") is None:
        raise ApiError(400, "Missing required parameter: 'model' (required with an uploaded video).", param="model", code="missing_required_parameter")
    model = dialects.model(body)
    size, duration = ref
    _check_uploaded_size(size, model)
    seconds = min(SECONDS, key=lambda value: abs(int(value) - duration))
    job = _create_job(
        request, key_hash, profile, kind=SimVideo.Kind.EDIT, prompt=prompt, model=model, size=size, seconds=seconds,
        palette_prompt_seed=seed_of(prompt),
    )  # fmt: skip
    return _submitted(profile, job)


@api({"POST": EXTENSIONS}, shadows_video_id=True)
def extensions(request: HttpRequest, *, key_hash: str, profile: Profile) -> HttpResponse:
    body = Body.parse(request)
    body.reject_unknown({"prompt", "video", "seconds", "model"})
    prompt = dialects.prompt(body)
    segment = dialects.seconds(body)
    ref = _video_ref(body, key_hash, profile, "extension")
    if isinstance(ref, SimVideo):
        model, size, base, palette, source = ref.model, ref.size, int(ref.seconds), int(ref.palette_seed), ref.id
    else:
        model = dialects.model(body)
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
    job = _create_job(
        request, key_hash, profile, kind=SimVideo.Kind.EXTENSION, prompt=prompt, model=model, size=size,
        seconds=str(total), palette_prompt_seed=palette, source=source,
    )  # fmt: skip
    return _submitted(profile, job)


def _check_uploaded_size(size: str, model: str) -> None:
    if size not in MODELS[model].sizes:
        raise ApiError(
            400,
            f"Invalid 'video': its size {size} is not supported by model '{model}'. Supported sizes are: "
            f"{supported(MODELS[model].sizes)}.",
            param="video",
            code="invalid_value",
        )


@api({"POST": CHARACTERS}, shadows_video_id=True)
def characters(request: HttpRequest, *, key_hash: str, profile: Profile) -> HttpResponse:
    body = Body.parse(request)
    body.reject_unknown({"name", "video"})
    name = body.fields.get("name")
    if name is None:
        raise ApiError(400, "Missing required parameter: 'name'.", param="name", code="missing_required_parameter")
    if not isinstance(name, str) or not 1 <= len(name) <= CHARACTER_NAME_MAX:
        raise ApiError(
            400, f"Invalid 'name': expected a string of 1 to {CHARACTER_NAME_MAX} characters.", param="name", code="invalid_value"
        )
    _video_ref(body, key_hash, profile, "character")
    character = SimCharacter.objects.create(
        id="char_" + secrets.token_hex(16), key_hash=key_hash, name=name, created_at=int(time.time())
    )
    return _json({"id": character.id, "name": character.name, "created_at": character.created_at})


@api({"GET": CHARACTER})
def character(request: HttpRequest, character_id: str, *, key_hash: str, profile: Profile) -> HttpResponse:
    found = SimCharacter.objects.filter(id=character_id, key_hash=key_hash).first()
    if found is None:
        raise ApiError(404, f"Character with id '{character_id}' not found.", param="character_id")
    return _json({"id": found.id, "name": found.name, "created_at": found.created_at})


@csrf_exempt
def not_found(request: HttpRequest, path: str = "", profile: str = profiles.DEFAULT) -> HttpResponse:
    request_id = "req_" + secrets.token_hex(16)
    current = profiles.get(profile)
    if current is None:
        return _unknown_profile(request, request_id)
    response = _route_error(request, current, path_served=False).response(current.route_errors)
    return _finish(response, current, request_id, hint=False)
