"""How each profile's server reads a create and a list (``profiles.Create``, ``profiles.Listing``).

The contract's rules come first (``contract_create`` and its field helpers, also used by remix, edits and
extensions); the other servers' follow, each after its source (named in profiles.py). A parse returns a
``CreateRequest`` for the job to be made, or raises ``ApiError`` (rendered in the profile's error shape).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from django.http import HttpRequest

from videos.sora.catalog import (
    ALL_SIZES,
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    MODELS,
    PROMPT_MAX_LENGTH,
    SECONDS,
)

from . import jobs, payloads
from .bodies import (
    IMAGE_URL_MAX_LENGTH,
    MAX_REFERENCE_SIDE,
    Body,
    check_storable,
    image_header,
    read_json_bytes,
    reference_png,
)
from .errors import (
    ApiError,
    dumps,
    fastapi_validation,
    invalid_type,
    invalid_value,
    json_type,
    supported,
)
from .models import SimCharacter, SimVideo
from .profiles import Create, Errors, Listing, Profile

# Servers that take any WxH and any whole number of seconds still make the simulator render it: its own limits.
FREE_SIDE_MIN, FREE_SIDE_MAX, FREE_SECONDS_MAX = 16, 1920, 20


@dataclass(frozen=True)
class CreateRequest:
    prompt: str
    model: str
    size: str  # "" when the server keeps "no size" (vLLM-Omni answers size null and renders its default)
    seconds: str
    reference: bytes | None = None  # PNG of the render size, blended into the frames
    fail_code: str = ""  # a failure the server would only find while generating
    fail_message: str = ""


# ---------------------------------------------------------------------------------------------------------------
# The contract
# ---------------------------------------------------------------------------------------------------------------
def prompt(body: Body) -> str:
    if "prompt" not in body.fields or body.fields["prompt"] is None:
        raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    value = body.fields["prompt"]
    if not isinstance(value, str):
        raise invalid_type("prompt", "a string", json_type(value))
    if not value:
        raise ApiError(
            400,
            "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string "
            "instead.",
            param="prompt",
            code="string_below_min_length",
        )
    if len(value) > PROMPT_MAX_LENGTH:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length {PROMPT_MAX_LENGTH}, but got a "
            f"string with length {len(value)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return value


def _string_field(body: Body, name: str, default: str) -> str:
    value = body.fields.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid_type(name, "a string", json_type(value))
    return value


def model(body: Body, default: str = DEFAULT_MODEL) -> str:
    value = _string_field(body, "model", default)
    if value not in MODELS:
        raise invalid_value("model", value, MODELS)
    return value


def seconds(body: Body, name: str = "seconds") -> str:
    value = body.fields.get(name)
    if value is None:
        return DEFAULT_SECONDS
    if not isinstance(value, str):
        choices = supported(SECONDS).replace(", and", ", or").replace(" and ", " or ")
        raise invalid_type(name, f"one of {choices}", json_type(value))
    if value not in SECONDS:
        raise invalid_value(name, value, SECONDS)
    return value


def size(body: Body, model_name: str) -> str:
    value = _string_field(body, "size", DEFAULT_SIZE)
    if value not in ALL_SIZES:
        raise invalid_value("size", value, ALL_SIZES)
    allowed = MODELS[model_name].sizes
    if value not in allowed:
        raise ApiError(
            400,
            f"Invalid value: '{value}'. The size '{value}' is not supported by model '{model_name}'. Supported sizes "
            f"for '{model_name}' are: {supported(allowed)}.",
            param="size",
            code="invalid_value",
        )
    return value


def input_reference(body: Body, size_value: str) -> bytes | None:
    if not body.is_json:
        if "input_reference" in body.fields:
            raise invalid_type("input_reference", "a file", "a string")
        upload = body.files.get("input_reference")
        if upload is None:
            return None
        return reference_png(upload, size_value, exact=True)
    reference = body.fields.get("input_reference")
    if reference is None:
        return None
    if not isinstance(reference, dict):
        raise invalid_type("input_reference", "an object", json_type(reference))
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
    if "image_url" in reference and len(value) > IMAGE_URL_MAX_LENGTH:
        raise ApiError(
            400,
            f"Invalid 'input_reference.image_url': string too long. Expected a string with maximum length "
            f"{IMAGE_URL_MAX_LENGTH}, but got a string with length {len(value)} instead.",
            param="input_reference",
            code="string_above_max_length",
        )
    if "image_url" in reference and value.startswith("data:"):
        header, _, encoded = value.partition(",")
        try:
            data = base64.b64decode(encoded, validate=True) if header.endswith(";base64") else b""
        except (binascii.Error, ValueError):
            data = b""
        return reference_png(data, size_value, exact=True)
    if "image_url" in reference and not value.startswith(("http://", "https://")):
        raise ApiError(400, "Invalid 'input_reference.image_url': expected a URL or a data URL.", param="input_reference", code="invalid_value")
    # An http(s) URL is never fetched (no SSRF) and the simulator has no Files API: accepted, not used.
    return None


def characters(body: Body, key_hash: str) -> None:
    value = body.fields.get("characters")
    if value is None:
        return
    if isinstance(value, str) and not body.is_json:
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or len(value) > 2 or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in value
    ):
        raise ApiError(400, "Invalid 'characters': expected at most 2 objects like {\"id\": \"char_...\"}.", param="characters", code="invalid_value")
    for item in value:
        if not SimCharacter.objects.filter(id=item["id"], key_hash=key_hash).exists():
            raise ApiError(404, f"No character found with id '{item['id']}'.", param="characters")


def contract_create(body: Body, key_hash: str) -> CreateRequest:
    body.reject_unknown({"prompt", "model", "size", "seconds", "input_reference", "characters"})
    text = prompt(body)
    model_name = model(body)
    size_value = size(body, model_name)
    seconds_value = seconds(body)
    reference = input_reference(body, size_value)
    characters(body, key_hash)
    return CreateRequest(text, model_name, size_value, seconds_value, reference)


# ---------------------------------------------------------------------------------------------------------------
# Servers that take any size and any whole seconds
# ---------------------------------------------------------------------------------------------------------------
def free_size(value: str) -> str:
    """A WxH the simulator can render: even sides (H.264 4:2:0) within FREE_SIDE_MIN..FREE_SIDE_MAX."""
    width, height = (int(part) for part in value.lower().split("x"))
    if not (FREE_SIDE_MIN <= width <= FREE_SIDE_MAX and FREE_SIDE_MIN <= height <= FREE_SIDE_MAX) or width % 2 or height % 2:
        raise ApiError(
            400,
            f"The simulator renders even sizes from {FREE_SIDE_MIN} to {FREE_SIDE_MAX} pixels a side; got '{value}'.",
            param="size",
            code="invalid_value",
        )
    return f"{width}x{height}"


def free_seconds(value: int) -> str:
    if not 1 <= value <= FREE_SECONDS_MAX:
        raise ApiError(
            400,
            f"The simulator renders 1 to {FREE_SECONDS_MAX} seconds; got {value}.",
            param="seconds",
            code="invalid_value",
        )
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# vLLM-Omni: FastAPI Form(...) parameters (api_server.py, _parse_video_form)
# ---------------------------------------------------------------------------------------------------------------
VLLM_SECONDS = re.compile(r"^[1-9]\d*$")  # protocol/videos.py SecondStr
VLLM_SIZE = re.compile(r"^\d+x\d+$")  # protocol/videos.py SizeStr
VLLM_INT_FIELDS = ("width", "height", "num_frames", "fps", "num_inference_steps", "seed", "frame_interpolation_exp")
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"


def _form_int(value: str | None) -> bool:
    """Whether a form field is absent or an integer (FastAPI Form(...) of type int)."""
    return value in (None, "") or re.fullmatch(r"-?\d+", value) is not None


def _pattern_mismatch(name: str, pattern: re.Pattern, value: str) -> tuple:
    return ("string_pattern_mismatch", ("body", name), f"String should match pattern '{pattern.pattern}'", value)


def vllm_create(request: HttpRequest, profile: Profile) -> CreateRequest:
    content_type = request.content_type or ""
    if not (content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded"):
        # Form(...) parameters read a JSON body as an empty form: prompt is missing (vLLM answers 400 for it).
        raise fastapi_validation(400, ("missing", ("body", "prompt"), "Field required", None))
    body = Body.parse(request)
    errors = []
    text = body.fields.get("prompt")
    if text is None:
        errors.append(("missing", ("body", "prompt"), "Field required", None))
    seconds_value = body.fields.get("seconds") or None
    if seconds_value is not None and not VLLM_SECONDS.match(seconds_value):
        errors.append(_pattern_mismatch("seconds", VLLM_SECONDS, seconds_value))
    size_value = body.fields.get("size") or None
    if size_value is not None and not VLLM_SIZE.match(size_value):
        errors.append(_pattern_mismatch("size", VLLM_SIZE, size_value))
    for name in VLLM_INT_FIELDS:
        value = body.fields.get(name)
        if not _form_int(value):
            errors.append(("int_parsing", ("body", name), INT_PARSING, value))
    if "input_reference" in body.fields:
        got = body.fields["input_reference"]
        errors.append(("value_error", ("body", "input_reference"), f"Value error, Expected UploadFile, received: {str}", got))
    if errors:
        raise fastapi_validation(400, *errors)
    upload = body.files.get("input_reference")
    if upload is not None and body.fields.get("image_reference"):
        raise ApiError(400, "Provide either input_reference or image_reference, not both.")
    served = profile.served_model()
    requested = body.fields.get("model") or None
    if requested is not None and requested != served:
        raise ApiError(400, f"Model mismatch: request specifies '{requested}' but server is running '{served}'.")
    render_size = free_size(size_value) if size_value else profile.render_default_size
    reference = None
    if upload is not None:
        try:
            reference = reference_png(upload, render_size, exact=False)
        except ApiError as error:
            raise ApiError(400, f"Invalid input reference: {error.message}") from None
    # An image_reference (JSON {"image_url"} or {"file_id"}) is accepted and, as in the contract profile, not
    # fetched.
    return CreateRequest(
        text, served, free_size(size_value) if size_value else "", free_seconds(int(seconds_value or 4)), reference
    )


# ---------------------------------------------------------------------------------------------------------------
# SGLang diffusion (video_api.py create_video)
# ---------------------------------------------------------------------------------------------------------------
SGLANG_FORM_INTS = ("seconds", "fps", "num_frames", "seed")
SGLANG_DEFAULT_SIZE = "720x1280"  # `size or "720x1280"`


def _sglang_size(value) -> str:
    """The size asked, or the default when it is missing or not WxH (_parse_size gives (None, None) for those)."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*[xX]\s*\d+\s*", value):
        return free_size(value.replace(" ", ""))
    return SGLANG_DEFAULT_SIZE


def _sglang_reference_failure(upload) -> tuple[str, str]:
    """SGLang saves any upload and only the pipeline finds out it is no image: the job fails then, not the create.
    The simulator judges by the header only (an image over MAX_REFERENCE_SIDE fails too, undecoded)."""
    image_format, dimensions = image_header(upload)
    if not image_format:
        return "error", "cannot identify image file (simulated: the input_reference is not an image)"
    if dimensions is None or max(dimensions) > MAX_REFERENCE_SIDE:
        return "error", f"Image size exceeds limit (simulated: input_reference over {MAX_REFERENCE_SIDE} pixels a side)"
    return "", ""


def sglang_create(request: HttpRequest, profile: Profile) -> CreateRequest:
    content_type = (request.content_type or "").lower()
    if "multipart/form-data" in content_type:
        body = Body.parse(request)
        errors = [
            ("int_parsing", ("body", name), INT_PARSING, body.fields[name])
            for name in SGLANG_FORM_INTS
            if not _form_int(body.fields.get(name))
        ]
        if errors:
            raise fastapi_validation(422, *errors)  # FastAPI validates Form(...) before the handler runs
        text = body.fields.get("prompt")
        if not text:
            raise ApiError(400, "prompt is required")
        upload = body.files.get("input_reference")
        if upload is None:
            raise ApiError(400, "input_reference file is required")
        size_value = _sglang_size(body.fields.get("size"))
        fail_code, fail_message = _sglang_reference_failure(upload)
        reference = None if fail_code else reference_png(upload, size_value, exact=False)
        seconds_value = int(body.fields.get("seconds") or 4)
        return CreateRequest(
            text, body.fields.get("model") or DEFAULT_MODEL, size_value, free_seconds(seconds_value), reference,
            fail_code, fail_message,
        )  # fmt: skip
    try:
        data = json.loads(read_json_bytes(request) or b"{}")
    except (ValueError, RecursionError):
        data = {}  # `except Exception: body = {}`
    payload = dict(data) if isinstance(data, dict) else {}
    extra = payload.pop("extra_body", None)
    if isinstance(extra, dict):
        payload.update(extra)
    for key, value in payload.items():
        check_storable(key, None)
        check_storable(value, key)
    problems = []
    text = payload.get("prompt")
    if not isinstance(text, str):
        missing = text is None
        problems.append(("prompt", "Field required" if missing else "Input should be a valid string", "missing" if missing else "string_type"))
    seconds_value = payload.get("seconds", 4)
    if seconds_value is not None and not _lax_int(seconds_value):
        problems.append(("seconds", "Input should be a valid integer", "int_parsing"))
    for name in ("model", "size", "input_reference"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            problems.append((name, "Input should be a valid string", "string_type"))
    if problems:
        lines = "".join(
            f"\n{name}\n  {msg} [type={kind}, input_value={_pydantic_repr(payload.get(name))}, input_type="
            f"{type(payload.get(name)).__name__}]"
            for name, msg, kind in problems
        )
        count = len(problems)
        raise ApiError(
            400, f"Invalid request body: {count} validation error{'s' if count > 1 else ''} for VideoGenerationsRequest{lines}"
        )
    # input_reference in JSON is a path on the server's own disk: the simulator reads no local files (and fetches
    # no reference_url): accepted, not used.
    seconds_int = 4 if seconds_value is None else _lax_int(seconds_value)
    return CreateRequest(
        text, payload.get("model") or DEFAULT_MODEL, _sglang_size(payload.get("size")), free_seconds(seconds_int)
    )


def _lax_int(value) -> int | None:
    """pydantic's lax int: ints, integral floats and numeric strings."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _pydantic_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------------------------
# A new-api-like relay in front of a contract upstream (relay/common/relay_utils.go ValidateMultipartDirect,
# relay/relay_task.go RelayTaskSubmit)
# ---------------------------------------------------------------------------------------------------------------
RELAY_SORA_SIZES = {"sora-2": ("720x1280", "1280x720"), "sora-2-pro": ALL_SIZES}


def relay_task_error(code: str, message: str, status: int = 400) -> ApiError:
    """new-api's dto.TaskError: {"code", "message", "data": null}."""
    return ApiError(status, message, code=code, style=Errors.RELAY_TASK)


def upstream_error(error: ApiError) -> ApiError:
    """An upstream answer that is not 200: TaskErrorWrapper(fmt.Errorf("%s", body), "fail_to_fetch_task", status)."""
    return relay_task_error("fail_to_fetch_task", dumps(error.body(Errors.CONTRACT)).decode(), error.status)


def relay_create(request: HttpRequest, profile: Profile, key_hash: str) -> CreateRequest:
    body = Body.parse(request)
    model_name = body.fields.get("model")
    if not isinstance(model_name, str) or not model_name.strip():
        raise relay_task_error("missing_model", "model field is required")
    text = body.fields.get("prompt")
    if not isinstance(text, str) or not text.strip():
        raise relay_task_error("invalid_request", "prompt is required")
    if model_name in RELAY_SORA_SIZES:
        asked = body.fields.get("size") or DEFAULT_SIZE
        if asked not in RELAY_SORA_SIZES[model_name]:
            raise relay_task_error("invalid_size", "sora-2 size is invalid")
    # Charged (quota reserved) here, before the upstream sees the request; then the body goes upstream as it came.
    try:
        return contract_create(body, key_hash)
    except ApiError as error:
        raise upstream_error(error) from None


def relay_remix_prompt(body: Body) -> str:
    text = body.fields.get("prompt")
    if not isinstance(text, str) or not text.strip():
        raise relay_task_error("invalid_request", "field prompt is required")
    return text


def parse_create(request: HttpRequest, profile: Profile, key_hash: str) -> CreateRequest:
    if profile.create == Create.VLLM_FORM:
        return vllm_create(request, profile)
    if profile.create == Create.SGLANG:
        return sglang_create(request, profile)
    if profile.create == Create.RELAY:
        return relay_create(request, profile, key_hash)
    return contract_create(Body.parse(request), key_hash)


# ---------------------------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------------------------
def list_page(request: HttpRequest, profile: Profile, queryset) -> dict:
    """The list body for ``queryset`` (one key's jobs under this profile) as the profile's server pages it."""
    if profile.listing == Listing.CONTRACT:
        return _contract_list(request, profile, queryset)
    return _unbounded_list(request, profile, queryset)


def _contract_list(request: HttpRequest, profile: Profile, queryset) -> dict:
    params = request.GET
    raw_limit = params.get("limit", "20")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise invalid_type("limit", "an integer", f"'{raw_limit}'") from None
    if limit < 0:
        raise ApiError(400, f"Invalid 'limit': integer below minimum value. Expected a value >= 0, but got {limit} instead.", param="limit", code="integer_below_min_value")
    if limit > 100:
        raise ApiError(400, f"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {limit} instead.", param="limit", code="integer_above_max_value")
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_value("order", order, ("asc", "desc"))
    after = params.get("after")
    if after:
        cursor = queryset.filter(id=after).values_list("seq", flat=True).first()
        if cursor is None:
            raise ApiError(400, f"Invalid 'after': no video found with id '{after}'.", param="after", code="invalid_value")
        queryset = queryset.filter(seq__lt=cursor) if order == "desc" else queryset.filter(seq__gt=cursor)
    queryset = queryset.order_by("-seq" if order == "desc" else "seq")
    rows = list(queryset[: limit + 1])
    page = [jobs.refresh(job) for job in rows[:limit]]
    return {
        "object": "list",
        "data": [payloads.video(profile, job) for job in page],
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
        "has_more": len(rows) > limit,
    }


def _unbounded_list(request: HttpRequest, profile: Profile, queryset) -> dict:
    """vLLM-Omni (list_videos: limit 0..100 or none = all, order asc|desc) and SGLang (limit 1..100, any other order
    reads as desc, no cursors in the answer). Both answer an unknown ``after`` with an empty page."""
    params = request.GET
    sglang = profile.listing == Listing.SGLANG
    status = 422 if sglang else 400  # vLLM turns FastAPI's 422 into a 400 ErrorResponse
    limit = None
    if params.get("limit") not in (None, ""):
        raw = params["limit"]
        if not _form_int(raw):
            raise fastapi_validation(status, ("int_parsing", ("query", "limit"), INT_PARSING, raw))
        limit = int(raw)
        low = 1 if sglang else 0
        if limit < low:
            raise fastapi_validation(
                status, ("greater_than_equal", ("query", "limit"), f"Input should be greater than or equal to {low}", raw)
            )
        if limit > 100:
            raise fastapi_validation(status, ("less_than_equal", ("query", "limit"), "Input should be less than or equal to 100", raw))
    order = params.get("order", "desc")
    if sglang:
        order = "asc" if order.lower() == "asc" else "desc"
    elif order not in ("asc", "desc"):
        raise fastapi_validation(status, ("literal_error", ("query", "order"), "Input should be 'asc' or 'desc'", order))
    queryset = queryset.order_by("-seq" if order == "desc" else "seq")
    after = params.get("after")
    if after is not None:
        cursor = queryset.filter(id=after).values_list("seq", flat=True).first()
        if cursor is None:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(seq__lt=cursor) if order == "desc" else queryset.filter(seq__gt=cursor)
    rows = list(queryset[: limit + 1] if limit is not None else queryset)
    has_more = limit is not None and len(rows) > limit
    page = [jobs.refresh(job) for job in (rows[:limit] if limit is not None else rows)]
    data = [payloads.video(profile, job) for job in page]
    if sglang:
        return {"data": data, "object": "list"}
    return {
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
        "has_more": has_more,
        "data": data,
        "object": "list",
    }


def remix_source_upstream_id(source: SimVideo, profile: Profile) -> str:
    """What a remix's remixed_from_video_id says: the id this server gave, or the raw upstream id."""
    return (source.upstream_id or source.id) if profile.remixed_from_raw else source.id
