"""The Team API: `/v1/videos` as the contract serves it (../shared/openai-videos-api.md), on the studio.

Every view is token-authenticated only (api/auth.py; never a session), CSRF-exempt, rate-limited per token, and
answers errors in the contract's envelope. Writes go through videos.services with the token as the actor, so
roles, quotas, fair scheduling and the lifecycle are the pages' own.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.access import Role, require_role
from api import auth, payloads, ratelimit
from api.errors import ApiError, invalid_type, invalid_value, json_type, not_found
from api.models import ApiToken
from api.selectors import characters_for_token, characters_offered, videos_for_token
from assets.serving import serve
from audit import services as audit
from characters import services as cast
from characters.models import MAX_PER_VIDEO, Character
from providers import selectors as providers
from quotas.services import PERIOD_WORD, QuotaExceeded, when
from reviews import organise_selectors as organise
from reviews import organise_services
from videos import images, services
from videos.models import Video
from videos.sora.catalog import CONTENT, DEFAULT_MODEL, DEFAULT_SIZE
from videos.sora.simulator.bodies import IMAGE_URL_MAX_LENGTH, Body, check_storable, video_reference
from videos.sora.simulator.dialects import prompt as contract_prompt

log = logging.getLogger(__name__)
READ, WRITE = "read", "write"
CREATE_FIELDS = {"prompt", "model", "size", "seconds", "input_reference", "characters", "remix_video_id"}


# ---------------------------------------------------------------------------------------------------------------
# The door: method, token, rate limit, scope and role, then the view; any refusal in the envelope
# ---------------------------------------------------------------------------------------------------------------
def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, separators=(",", ":")), status=status, content_type="application/json")


def _quota_error(exc: QuotaExceeded) -> ApiError:
    rule = exc.rule
    period = PERIOD_WORD.get(rule.period, "") if rule is not None else ""
    code = "_".join(part for part in (period, exc.kind or "quota", "quota_exceeded") if part)
    headers = {"x-should-retry": "false"}  # waiting seconds does not help: the SDK must not retry it
    if exc.resets_at is not None:
        headers["x-quota-resets-at"] = exc.resets_at.isoformat()
    if exc.left is not None:
        headers["x-quota-remaining"] = str(exc.left)
    message = " ".join(exc.messages)
    if exc.resets_at is not None and when(exc.resets_at) not in message:
        message += f" It resets on {when(exc.resets_at)}."
    return ApiError(429, message, type="insufficient_quota", code=code, headers=headers)


def _validation_error(exc: ValidationError, param: str | None = None) -> ApiError:
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        field = None if name == "__all__" else name
        return ApiError(400, " ".join(ValidationError(errors).messages), param=field or param, code="invalid_value")
    return ApiError(400, " ".join(exc.messages), param=param, code="invalid_value")


def endpoint(**methods: str):
    """A /v1 view serving `methods` (HTTP method -> READ or WRITE). The view gets the request's token."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
            try:
                need = methods.get(request.method)
                if need is None:
                    raise ApiError(405, f"Method {request.method} is not allowed on {request.path}.",
                                   headers={"Allow": ", ".join(methods)})  # fmt: skip
                token = auth.authenticate(request)
                ratelimit.check(token)
                if need == WRITE:
                    if token.is_read_only:
                        raise ApiError(403, "This API token is read-only; make a read-and-write token to change "
                                            "anything.", type="permission_error", code="read_only_token")  # fmt: skip
                    require_role(token.membership, Role.EDITOR)
                response = view(request, token=token, **kwargs)
            except ApiError as error:
                response = error.response()
            except QuotaExceeded as exc:
                response = _quota_error(exc).response()
            except PermissionDenied as exc:
                response = ApiError(403, str(exc) or "Your role in this project does not allow this.",
                                    type="permission_error", code="insufficient_role").response()  # fmt: skip
            except Http404:
                response = ApiError(404, "Not found.").response()
            except ValidationError as exc:
                response = _validation_error(exc).response()
            except Exception:
                log.exception("Team API %s %s failed", request.method, request.path)
                response = ApiError(500, "The server had an error while processing your request.",
                                    type="server_error").response()  # fmt: skip
            response["x-request-id"] = "req_" + secrets.token_hex(16)
            return response

        wrapper.allowed_methods = tuple(methods)
        return wrapper

    return decorate


@csrf_exempt
def not_found_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /v1/: the contract's 404 (no session, no redirect to a login page)."""
    response = ApiError(404, f"Invalid URL ({request.method} {request.path})").response()
    response["x-request-id"] = "req_" + secrets.token_hex(16)
    return response


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def _video_of(token: ApiToken, value, param: str = "video_id") -> Video:
    """The video of the token's project with this id of ours; 404 for anything else (unknown, another project's,
    deleted, the upstream's id, a malformed id)."""
    if not isinstance(value, str):
        raise invalid_type(param, "a string", json_type(value))
    public_id = payloads.public_id_of(value)
    video = None
    if public_id is not None:
        video = (
            videos_for_token(token)
            .filter(public_id=public_id)
            .select_related("project", "owner", "provider", "remixed_from")
            .first()
        )
    if video is None or payloads.video_id(video) != value:
        raise not_found(value, param)
    video.membership = video.project.membership = token.membership
    return video


def _video_response(video: Video, token: ApiToken) -> HttpResponse:
    # its state after the commit's tasks, with its title, tags and the token owner's star (the video's metadata)
    video = Video.objects.select_related("remixed_from", "organise_title").get(id=video.id)
    organise.decorate([video], token.user)
    response = _json(payloads.video(video))
    wait = payloads.poll_after_ms(video)
    if wait is not None:
        response["openai-poll-after-ms"] = str(wait)
    return response


def _string(body: Body, name: str) -> str | None:
    value = body.fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_type(name, "a string", json_type(value))
    return value


def _model(body: Body):
    offered = list(providers.offered_models())
    if not offered:
        raise ApiError(400, "This studio offers no model at the moment.", param="model", code="invalid_value")
    name = _string(body, "model")
    if name is None:
        return next((m for m in offered if m.name == DEFAULT_MODEL), offered[0])
    try:
        return providers.model_for(name)
    except ValidationError:
        raise invalid_value("model", name, sorted({m.name for m in offered})) from None


def _size(body: Body, spec) -> str:
    allowed = spec.offered_sizes
    value = _string(body, "size")
    if value is None:
        return DEFAULT_SIZE if DEFAULT_SIZE in allowed else allowed[0]
    if value not in allowed:
        raise ApiError(
            400,
            f"Invalid value: '{value}'. The size '{value}' is not supported by model '{spec.name}'. Supported sizes "
            f"for '{spec.name}' are: {', '.join(repr(s) for s in allowed)}.",
            param="size",
            code="invalid_value",
        )
    return value


def _seconds(body: Body, spec, name: str = "seconds", allowed=None) -> str:
    allowed = list(allowed if allowed is not None else spec.offered_seconds)
    value = body.fields.get(name)
    quoted = [f"'{s}'" for s in allowed]
    choices = ", ".join(quoted[:-1]) + f", or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    if value is None:
        return "4" if "4" in allowed else allowed[0]
    if not isinstance(value, str):
        raise invalid_type(name, f"one of {choices}", json_type(value))
    if value not in allowed:
        raise invalid_value(name, value, allowed)
    return value


def _wrong_pixels() -> ApiError:
    return ApiError(400, "Inpaint image must match the requested width and height")


def _image_format_error() -> ApiError:
    return ApiError(400, "Invalid file format for 'input_reference'. Supported formats are: 'image/jpeg', "
                         "'image/png', and 'image/webp'.", param="input_reference", code="invalid_image_format")  # fmt: skip


def _reference(body: Body, size: str):
    """The input_reference as the studio stores it (a PNG of exactly `size`), or None. The contract's rule: the
    image must be `size` already."""
    if not body.is_json:
        if "input_reference" in body.fields:
            raise invalid_type("input_reference", "a file", "a string")
        upload = body.files.get("input_reference")
        if upload is None:
            return None
        return _prepared(upload, size)
    ref = body.fields.get("input_reference")
    if ref is None:
        return None
    if not isinstance(ref, dict):
        raise invalid_type("input_reference", "an object", json_type(ref))
    if set(ref) - {"image_url", "file_id"} or len(ref) != 1:
        raise ApiError(400, "Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id', and no "
                            "other keys.", param="input_reference", code="invalid_value")  # fmt: skip
    if "file_id" in ref:
        raise ApiError(400, "Invalid 'input_reference.file_id': the studio has no Files API; send the image as a "
                            "file or a data URL.", param="input_reference", code="invalid_value")  # fmt: skip
    url = ref["image_url"]
    if not isinstance(url, str) or not url:
        raise ApiError(400, "Invalid 'input_reference': expected a non-empty string.", param="input_reference",
                       code="invalid_type")  # fmt: skip
    if len(url) > IMAGE_URL_MAX_LENGTH:
        raise ApiError(400, f"Invalid 'input_reference.image_url': string too long. Expected a string with maximum "
                            f"length {IMAGE_URL_MAX_LENGTH}, but got a string with length {len(url)} instead.",
                       param="input_reference", code="string_above_max_length")  # fmt: skip
    if not url.startswith("data:"):
        # Never fetched: the studio does not reach out to addresses its callers name.
        raise ApiError(400, "Invalid 'input_reference.image_url': the studio takes a data URL (data:image/png;"
                            "base64,...) or a file, not a link.", param="input_reference", code="invalid_value")  # fmt: skip
    header, _, encoded = url.partition(",")
    try:
        data = base64.b64decode(encoded, validate=True) if header.endswith(";base64") else b""
    except (binascii.Error, ValueError):
        data = b""
    if len(data) > settings.API_UPLOAD_MAX_BYTES:
        raise _too_large("input_reference")
    return _prepared(io.BytesIO(data), size)


def _too_large(param: str) -> ApiError:
    limit = settings.API_UPLOAD_MAX_BYTES
    return ApiError(400, f"Invalid '{param}': the file is larger than {limit / 1048576:g} MiB.", param=param,
                    code="file_too_large")  # fmt: skip


def _prepared(fh, size: str):
    try:
        header = images.check_image(fh)
    except ValidationError:
        raise _image_format_error() from None
    if f"{header.width}x{header.height}" != size:
        raise _wrong_pixels()
    try:
        return images.prepare_reference(fh, header, size, "cover")
    except ValidationError:
        raise _image_format_error() from None


def _parse(request: HttpRequest) -> Body:
    limit = settings.API_UPLOAD_MAX_BYTES
    return Body.parse(request, limits={"input_reference": limit, "video": limit})


# ---------------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------------
@endpoint(GET=READ, POST=WRITE)
def videos(request: HttpRequest, *, token: ApiToken) -> HttpResponse:
    if request.method == "POST":
        return _create(request, token)
    return _list(request, token)


def _create(request: HttpRequest, token: ApiToken) -> HttpResponse:
    body = _parse(request)
    _gather_form_characters(request, body)
    body.reject_unknown(CREATE_FIELDS)
    prompt = contract_prompt(body)
    actor = auth.actor_for(request, token)
    if body.fields.get("remix_video_id") is not None:
        # The form the seeds and some client code use: a create naming a video is a remix of it.
        parent = _video_of(token, body.fields["remix_video_id"], param="remix_video_id")
        if body.files.get("input_reference") is not None or body.fields.get("input_reference") is not None:
            raise ApiError(400, "A remix takes no input_reference.", param="input_reference", code="invalid_value")
        if body.fields.get("characters") is not None:
            raise ApiError(400, "A remix takes no characters: it keeps those of the video it remixes.",
                           param="characters", code="invalid_value")  # fmt: skip
        try:
            child = services.video_remix(actor=actor, parent=parent, prompts=[prompt])[0]
        except QuotaExceeded:
            raise
        except ValidationError as exc:
            raise _validation_error(exc, "remix_video_id") from None
        return _video_response(child, token)
    spec = _model(body)
    size = _size(body, spec)
    seconds = _seconds(body, spec)
    picked = _characters(body, token)
    reference = _reference(body, size)
    video = services.video_submit(
        actor=actor, project=token.project, prompt=prompt, model=spec, size=size, seconds=int(seconds),
        input_reference=reference, input_fit=Video.Fit.COVER if reference is not None else "", characters=picked,
    )  # fmt: skip
    return _video_response(video, token)


def _list(request: HttpRequest, token: ApiToken) -> HttpResponse:
    params = request.GET
    raw_limit = params.get("limit", "20")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise invalid_type("limit", "an integer", f"'{raw_limit}'") from None
    if limit < 0:
        raise ApiError(400, f"Invalid 'limit': integer below minimum value. Expected a value >= 0, but got {limit} "
                            "instead.", param="limit", code="integer_below_min_value")  # fmt: skip
    if limit > 100:
        raise ApiError(400, f"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {limit} "
                            "instead.", param="limit", code="integer_above_max_value")  # fmt: skip
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_value("order", order, ("asc", "desc"))
    queryset = videos_for_token(token).select_related("remixed_from", "organise_title")
    queryset = _organise_filters(params, queryset, token)
    after = params.get("after")
    if after:
        public_id = payloads.public_id_of(after)
        cursor = queryset.filter(public_id=public_id).first() if public_id else None
        if cursor is None:
            raise ApiError(400, f"Invalid 'after': no video found with id '{after}'.", param="after",
                           code="invalid_value")  # fmt: skip
        # (created_at, id) after the cursor's, in the page's order
        if order == "desc":
            later = Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
        else:
            later = Q(created_at__gt=cursor.created_at) | Q(created_at=cursor.created_at, id__gt=cursor.id)
        queryset = queryset.filter(later)
    queryset = queryset.order_by(*(("-created_at", "-id") if order == "desc" else ("created_at", "id")))
    rows = list(queryset[: limit + 1])
    organise.decorate(rows[:limit], token.user)  # each video's tags and the token owner's star: one query each
    return _json(payloads.list_page(rows[:limit], has_more=len(rows) > limit))


FAVOURITE_VALUES = {"true": True, "1": True, "false": False, "0": False}


def _organise_filters(params, queryset, token: ApiToken):
    """The studio's list filters beside the contract's: `tag` (a tag's name, any case) and `favourite` (true: only
    the token owner's favourites; false: only the others)."""
    tag = params.get("tag")
    favourite = params.get("favourite")
    if tag is not None:
        try:
            organise_services.tag_normalise(tag)
        except ValidationError as exc:
            raise ApiError(400, f"Invalid 'tag': {' '.join(exc.messages)}", param="tag", code="invalid_value") from None
    if favourite is not None and favourite.lower() not in FAVOURITE_VALUES:
        raise invalid_value("favourite", favourite, ("true", "false"))
    wanted = FAVOURITE_VALUES[favourite.lower()] if favourite is not None else None
    return organise.filter_videos(queryset, token.user, tag=tag or "", favourite=wanted)


@endpoint(GET=READ, DELETE=WRITE)
def video(request: HttpRequest, video_id: str, *, token: ApiToken) -> HttpResponse:
    found = _video_of(token, video_id)
    if request.method == "GET":
        return _video_response(found, token)
    if payloads.contract_status(found) not in ("completed", "failed"):
        raise ApiError(400, f"Video '{video_id}' is {payloads.contract_status(found)}; only a completed or failed "
                            "video can be deleted.", param="video_id", code="invalid_value")  # fmt: skip
    try:
        services.video_delete(actor=auth.actor_for(request, token), video=found)
    except ValidationError as exc:
        raise _validation_error(exc, "video_id") from None
    return _json(payloads.deleted(video_id))


@endpoint(GET=READ)
def content(request: HttpRequest, video_id: str, *, token: ApiToken) -> HttpResponse:
    variant = request.GET.get("variant", "video")
    if variant not in CONTENT:
        raise invalid_value("variant", variant, CONTENT)
    found = _video_of(token, video_id)
    status = payloads.contract_status(found)
    if status == "failed":
        raise ApiError(404, f"Video '{video_id}' failed, so it has no content.", param="video_id")
    asset = found.assets.filter(kind=variant).first() if status == "completed" else None
    if asset is None:
        raise ApiError(404, f"Video is not ready yet: '{video_id}' is {status} ({found.progress}%). Its content can "
                            "be downloaded once it is completed.", param="video_id")  # fmt: skip
    if request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        # Recorded once per download (its first range), as on the video page.
        audit.record(actor=auth.actor_for(request, token), action="video.download", target=found,
                     detail={"variant": variant, "bytes": asset.bytes})  # fmt: skip
    return serve(request, asset, filename=f"{video_id}.{asset.extension}")


@endpoint(POST=WRITE)
def remix(request: HttpRequest, video_id: str, *, token: ApiToken) -> HttpResponse:
    parent = _video_of(token, video_id)
    body = _parse(request)
    body.reject_unknown({"prompt"})
    prompt = contract_prompt(body)
    try:
        child = services.video_remix(actor=auth.actor_for(request, token), parent=parent, prompts=[prompt])[0]
    except QuotaExceeded:
        raise
    except ValidationError as exc:
        raise _validation_error(exc, "video_id") from None
    return _video_response(child, token)


def _source(body: Body, token: ApiToken) -> Video:
    """The `video` of an edit or extension: `{"id": "video_..."}` of a video of ours (an uploaded MP4 is not
    taken: the studio makes children of its own videos)."""
    if body.files.get("video") is not None:
        raise ApiError(400, "Invalid 'video': the studio edits and extends its own videos; send {\"id\": "
                            "\"video_...\"}.", param="video", code="invalid_value")  # fmt: skip
    ref = video_reference(body, '{"id": "video_..."}')
    if ref is None:
        raise ApiError(400, "Missing required parameter: 'video'.", param="video", code="missing_required_parameter")
    return _video_of(token, ref, param="video")


@endpoint(POST=WRITE)
def edits(request: HttpRequest, *, token: ApiToken) -> HttpResponse:
    body = _parse(request)
    body.reject_unknown({"prompt", "video", "model"})
    prompt = contract_prompt(body)
    parent = _source(body, token)
    try:
        child = services.video_edit(actor=auth.actor_for(request, token), parent=parent, prompt=prompt)
    except QuotaExceeded:
        raise
    except ValidationError as exc:
        raise _validation_error(exc, "video") from None
    return _video_response(child, token)


@endpoint(POST=WRITE)
def extensions(request: HttpRequest, *, token: ApiToken) -> HttpResponse:
    body = _parse(request)
    body.reject_unknown({"prompt", "video", "seconds"})
    prompt = contract_prompt(body)
    seconds = _seconds(body, None, allowed=[str(s) for s in services.EXTENSION_SECONDS])
    parent = _source(body, token)
    try:
        child = services.video_extend(actor=auth.actor_for(request, token), parent=parent, prompt=prompt,
                                      seconds=int(seconds))  # fmt: skip
    except QuotaExceeded:
        raise
    except ValidationError as exc:
        raise _validation_error(exc, "video") from None
    return _video_response(child, token)


# ---------------------------------------------------------------------------------------------------------------
# Characters (contract 3.7): the project's cast, made in the studio and sent to a provider on a video's start
# ---------------------------------------------------------------------------------------------------------------
FORM_CHARACTER_KEY = "characters[][id]"  # how the SDK flattens extra_body={"characters": [{"id": ...}]} in multipart


def _gather_form_characters(request: HttpRequest, body: Body) -> None:
    """A multipart create names its characters as the SDK flattens them (`characters[][id]`, once per character) or
    as one JSON text field `characters`; either becomes the JSON shape `[{"id": ...}]` in `body.fields`."""
    if body.is_json:
        return
    if FORM_CHARACTER_KEY in body.fields:
        if "characters" in body.fields:
            raise ApiError(400, "Send the characters once: as 'characters' or as 'characters[][id]', not both.",
                           param="characters", code="invalid_value")  # fmt: skip
        ids = request.POST.getlist(FORM_CHARACTER_KEY)
        for value in ids:
            check_storable(value, "characters")
        del body.fields[FORM_CHARACTER_KEY]
        body.fields["characters"] = [{"id": value} for value in ids]
    elif isinstance(body.fields.get("characters"), str):
        try:
            body.fields["characters"] = json.loads(body.fields["characters"])
        except ValueError:
            raise ApiError(400, "Invalid 'characters': expected a JSON array like [{\"id\": \"char_...\"}].",
                           param="characters", code="invalid_value") from None  # fmt: skip


def _characters(body: Body, token: ApiToken) -> list[Character]:
    """The characters a create names (`[{"id": "char_..."}]`, at most 2), each a character of the token's project
    by the studio's id; a 400 naming `characters` for anything else. The provider's rule is video_submit's."""
    value = body.fields.get("characters")
    if value is None:
        return []
    shape = 'expected an array of at most 2 objects like {"id": "char_..."}'
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and set(item) == {"id"} and isinstance(item["id"], str) for item in value
    ):
        raise ApiError(400, f"Invalid 'characters': {shape}.", param="characters", code="invalid_value")
    if len(value) > MAX_PER_VIDEO:
        raise ApiError(400, f"Invalid 'characters': a video can have at most {MAX_PER_VIDEO} characters; "
                            f"{len(value)} were given.", param="characters", code="invalid_value")  # fmt: skip
    picked = []
    for item in value:
        found = None
        public_id = payloads.character_public_id_of(item["id"])
        if public_id is not None:
            found = characters_for_token(token).filter(public_id=public_id).first()
        if found is None:
            raise ApiError(400, f"Invalid 'characters': no character found with id '{item['id']}' in this "
                                "project.", param="characters", code="invalid_value")  # fmt: skip
        picked.append(found)
    return picked


@endpoint(POST=WRITE)
def characters(request: HttpRequest, *, token: ApiToken) -> HttpResponse:
    """A character of the token's project from an MP4 clip (the cast page's checks and size cap): made in the
    studio now, and on a provider when a video there first uses it."""
    if not characters_offered():
        raise ApiError(400, "None of this studio's providers has characters, so it takes none.", param=None,
                       code="unsupported_parameter")  # fmt: skip
    limit = cast.clip_max_bytes()
    body = Body.parse(request, limits={"video": limit})
    body.reject_unknown({"name", "video"})
    name = body.fields.get("name")
    if name is None:
        raise ApiError(400, "Missing required parameter: 'name'.", param="name", code="missing_required_parameter")
    if not isinstance(name, str):
        raise invalid_type("name", "a string", json_type(name))
    clip = body.files.get("video")
    if clip is None:
        if "video" in body.fields:
            raise invalid_type("video", "a file", json_type(body.fields["video"]) if body.is_json else "a string")
        raise ApiError(400, "Missing required parameter: 'video'.", param="video", code="missing_required_parameter")
    try:
        made = cast.character_create_from_upload(actor=auth.actor_for(request, token), project=token.project,
                                                 name=name, clip=clip)  # fmt: skip
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            name_, errors = next(iter(exc.error_dict.items()))
            param = {"clip": "video", "name": "name"}.get(name_)
            raise ApiError(400, " ".join(ValidationError(errors).messages), param=param,
                           code="invalid_value") from None  # fmt: skip
        raise _validation_error(exc, "video") from None
    return _json(payloads.character(made))


@endpoint(GET=READ)
def character(request: HttpRequest, character_id: str, *, token: ApiToken) -> HttpResponse:
    public_id = payloads.character_public_id_of(character_id)
    found = characters_for_token(token).filter(public_id=public_id).first() if public_id is not None else None
    if found is None:
        raise ApiError(404, f"No character found with id '{character_id}'.", param="character_id")
    return _json(payloads.character(found))
