"""Profiles: the simulator taking on the documented behaviour of other servers that speak (parts of) ``/v1/videos``.

Each profile is one row of the table below (a frozen ``Profile`` of named switches) and is served under its own base
URL: ``/sim/v1/`` is the faithful OpenAI contract (``openai``); ``/sim/<name>/v1/`` is the same simulator (same job
store, same renderer, same bearer keys) answering in that server's shapes. A job belongs to the profile it was created
under (``SimVideo.profile``): it is found, listed and answered only there, so each prefix behaves like a separate
server. Where a behaviour comes from is named beside its switch (file in the server's repository, read with the
``search`` tool, late 2026). See ``/work/shared/PROVIDERS.md`` section 1 for the overview.

The views never test a profile's name: they read switches. Switches that pick between whole behaviours (how a create
is parsed, how a list pages, what a delete does, how the video object looks, what an error looks like) are enums;
the functions they select live in ``dialects.py`` (requests), ``payloads.py`` (video objects) and ``errors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from django.conf import settings

# Route names (one per method and path of the contract; see urls.py).
CREATE, LIST, RETRIEVE, DELETE, CONTENT, REMIX = "create", "list", "retrieve", "delete", "content", "remix"
EDITS, EXTENSIONS, CHARACTERS, CHARACTER = "edits", "extensions", "characters", "character"
CONTRACT_ROUTES = frozenset({CREATE, LIST, RETRIEVE, DELETE, CONTENT, REMIX, EDITS, EXTENSIONS, CHARACTERS, CHARACTER})

DEFAULT = "openai"


class Errors(StrEnum):
    """The shape of an error body."""

    CONTRACT = "contract"  # {"error": {message, type, param, code}}
    VLLM = "vllm"  # vLLM's ErrorResponse: {"error": {message, type: HTTP phrase, param: null, code: <int status>}}
    FASTAPI = "fastapi"  # {"detail": "..."} (422 validation errors: {"detail": [{type, loc, msg, input}]})
    RELAY_TASK = "relay-task"  # new-api dto.TaskError: {"code", "message", "data": null}
    RELAY_PROXY = "relay-proxy"  # new-api videoProxyError: {"error": {"message", "type"}}
    RELAY_ROUTE = "relay-route"  # new-api RelayNotFound: {"error": {message, type, param: "", code: ""}}


class Ids(StrEnum):
    CONTRACT = "contract"  # video_ + 8 hex of created_at + 40 hex (54 chars)
    VLLM = "vllm"  # video_gen_ + uuid4 hex (42 chars)
    UUID = "uuid"  # str(uuid4()) (36 chars)
    TASK = "task"  # task_ + 32 letters/digits (new-api model.GenerateTaskID)
    LONG = "long"  # video_ + base64url of a LiteLLM-like routing string, padded past 1,000 chars


class Create(StrEnum):
    """How a create (POST /videos) body is parsed and validated: see dialects.py."""

    CONTRACT = "contract"
    VLLM_FORM = "vllm-form"  # FastAPI Form(...) parameters: multipart only
    SGLANG = "sglang"  # optional Form fields for multipart, pydantic model for JSON
    RELAY = "relay"  # new-api's own checks, then the request goes to a contract upstream


class Listing(StrEnum):
    CONTRACT = "contract"  # limit 0..100 default 20, unknown cursor 400, first_id/last_id/has_more
    VLLM = "vllm"  # limit optional (all), unknown cursor -> empty page, first_id/last_id/has_more
    SGLANG = "sglang"  # limit 1..100 optional, unknown cursor -> empty, only {"data", "object"}


class Deletion(StrEnum):
    FINISHED_ONLY = "finished-only"  # contract: 400 while queued/in_progress; {id, object, deleted}
    CANCEL = "cancel"  # vLLM-Omni: a running job is cancelled and removed; {id, deleted, object}
    FORGET = "forget"  # SGLang: removed at once whatever its state; the body is the video with status "deleted"


class Payload(StrEnum):
    """What the video object looks like: see payloads.py."""

    CONTRACT = "contract"
    VLLM = "vllm"
    SGLANG = "sglang"
    RELAY = "relay"


@dataclass(frozen=True)
class Answer:
    """A fixed error answer: HTTP status and message (``{id}``, ``{status}``, ``{progress}``, ``{expires_at}`` are
    filled in), and the error's code and type where the server's shape has them."""

    status: int
    message: str
    code: str | None = None
    type: str = "invalid_request_error"


@dataclass(frozen=True)
class Texts:
    """The messages a server uses for the situations every profile meets."""

    not_found: Answer = Answer(404, "Video with id '{id}' not found.")
    content_not_ready: Answer = Answer(404, "Video is not ready yet. Its status is '{status}' ({progress}%).")
    content_failed: Answer = Answer(404, "Video '{id}' failed to generate; it has no content.")
    content_not_found: Answer | None = None  # when the content route names an unknown id (default: not_found)
    content_expired: Answer = Answer(404, "The content of video '{id}' has expired (expires_at {expires_at}).")
    invalid_url: str = "Invalid URL ({method} {path})"
    method_not_allowed: str = "Invalid method for URL ({method} {path})."
    status_names: dict[str, str] | None = None  # the words {status} is written with (default: the contract's)


CONTRACT_STATUS_WORDS = {"queued": "queued", "in_progress": "in_progress", "completed": "completed", "failed": "failed"}


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str  # one line for the README table and the admin
    source: str  # where the behaviour comes from
    routes: frozenset[str] = CONTRACT_ROUTES
    # A known path asked with a method the profile does not serve: 405 (FastAPI, the contract) or a 404 like any
    # unknown URL (gin without HandleMethodNotAllowed).
    method_not_allowed: bool = True
    errors: Errors = Errors.CONTRACT
    content_errors: Errors = Errors.CONTRACT
    route_errors: Errors = Errors.CONTRACT
    texts: Texts = Texts()
    ids: Ids = Ids.CONTRACT
    create: Create = Create.CONTRACT
    listing: Listing = Listing.CONTRACT
    deletion: Deletion = Deletion.FINISHED_ONLY
    payload: Payload = Payload.CONTRACT
    variants: bool = True  # `variant` is honoured (and checked); else ignored and the MP4 is always sent
    failed_retrieve_is_error: bool = False  # retrieving a failed job answers non-2xx (vLLM-Omni)
    reports_progress: bool = True  # progress grows while in progress; else 0 until completed
    expires: bool = True  # expires_at = completed_at + SIM_ASSET_TTL_SECONDS, content 404 afterwards
    webhooks: bool = True
    status_words: dict[str, str] = field(default_factory=lambda: dict(CONTRACT_STATUS_WORDS))
    failure_words: dict[str, str] = field(default_factory=dict)  # error code of a failed job -> status word
    expired_word: str | None = None  # status of a completed job past expires_at (else it stays "completed")
    remixed_from_raw: bool = False  # remixed_from_video_id is the upstream's raw id, not the id this server gave
    # The server checks a request its own way, then hands it to a contract upstream whose refusals come back
    # wrapped in its own error (a relay).
    relays_upstream: bool = False
    download_attachment: bool = False  # content answered as an attachment (Starlette FileResponse(filename=...))
    request_id_header: str | None = "x-request-id"
    poll_after_header: bool = True  # openai-poll-after-ms on unfinished retrieves
    retry_hint_header: bool = True  # x-should-retry: false on 4xx
    served_model_setting: str | None = None  # the one model this server serves (a setting, with default below)
    served_model_default: str | None = None
    # For servers that take any WxH / any whole seconds: the simulator's own limits (rendering cost), and the
    # size rendered when the request names none.
    render_default_size: str = "720x1280"

    def served_model(self) -> str | None:
        if self.served_model_setting is None:
            return None
        return getattr(settings, self.served_model_setting, None) or self.served_model_default

    def status_word(self, status: str, error_code: str = "", expired: bool = False) -> str:
        if status == "failed" and error_code in self.failure_words:
            return self.failure_words[error_code]
        if status == "completed" and expired and self.expired_word:
            return self.expired_word
        return self.status_words[status]


VLLM_OMNI = "vllm_omni/entrypoints/openai/api_server.py, protocol/videos.py (vllm-project/vllm-omni)"
SGLANG = "python/sglang/multimodal_gen/runtime/entrypoints/openai/video_api.py, protocol.py (sgl-project/sglang)"
NEW_API = (
    "router/video-router.go, relay/relay_task.go, relay/channel/task/sora/adaptor.go, relay/common/relay_utils.go, "
    "controller/video_proxy.go, model/task.go (QuantumNous/new-api)"
)

# What the two FastAPI diffusion servers (vLLM-Omni, SGLang) share. Routes: create, list, retrieve, delete, content
# (vLLM-Omni also has /v1/videos/sync, not simulated); anything else is FastAPI's own 404/405 {"detail": ...}.
# No variants (their content routes never read one), the MP4 as an attachment (Starlette FileResponse(filename=)),
# progress set only on completion, no expiry, no webhooks, no request-id or poll hint headers.
FASTAPI_DIFFUSION_SERVER = {
    "routes": frozenset({CREATE, LIST, RETRIEVE, DELETE, CONTENT}),
    "route_errors": Errors.FASTAPI,
    "variants": False,
    "download_attachment": True,
    "reports_progress": False,
    "expires": False,
    "webhooks": False,
    "request_id_header": None,
    "poll_after_header": False,
    "retry_hint_header": False,
}
FASTAPI_TEXTS = Texts(
    not_found=Answer(404, "Video not found"),
    content_not_ready=Answer(404, "Generation is still in-progress"),
    invalid_url="Not Found",
    method_not_allowed="Method Not Allowed",
)

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="openai",
            summary="OpenAI's /v1/videos contract, faithfully (the default at /sim/v1/)",
            source="/work/shared/openai-videos-api.md",
        ),
        Profile(
            name="vllm-omni",
            summary=(
                "multipart create only; model must be the served one; any WxH and whole seconds; failed retrieve is "
                "non-2xx; delete cancels; no remix/edits/characters, no variants, no webhooks, no expiry"
            ),
            source=VLLM_OMNI,
            # build_app's HTTPException/RequestValidationError handlers (vllm/entrypoints/openai/api_server.py)
            errors=Errors.VLLM,
            content_errors=Errors.VLLM,
            texts=replace(
                FASTAPI_TEXTS, content_failed=Answer(422, "Video generation failed. Check job status for error details.")
            ),
            ids=Ids.VLLM,  # VideoResponse.id default_factory: f"video_gen_{uuid.uuid4().hex}"
            create=Create.VLLM_FORM,
            listing=Listing.VLLM,
            deletion=Deletion.CANCEL,
            payload=Payload.VLLM,
            failed_retrieve_is_error=True,  # retrieve_video(): JSONResponse(status_code=_status_code_for_video_failure)
            served_model_setting="SIM_VLLM_OMNI_MODEL",
            served_model_default="Wan-AI/Wan2.2-T2V-A14B-Diffusers",
            render_default_size="832x480",  # the Wan pipelines' own default when the request has no size
            **FASTAPI_DIFFUSION_SERVER,
        ),
        Profile(
            name="sglang",
            summary=(
                "multipart create needs an input_reference file; any model echoed (default sora-2); delete forgets "
                'at once and answers the video with status "deleted"; list has no cursors; errors {"detail"}'
            ),
            source=SGLANG,
            errors=Errors.FASTAPI,
            content_errors=Errors.FASTAPI,
            # a failed job has no file_path on disk: the same answer as an unfinished one
            texts=replace(FASTAPI_TEXTS, content_failed=FASTAPI_TEXTS.content_not_ready),
            ids=Ids.UUID,  # generate_request_id(): str(uuid.uuid4())
            create=Create.SGLANG,
            listing=Listing.SGLANG,
            deletion=Deletion.FORGET,  # "TODO: support aborting a job": VIDEO_STORE.pop, status "deleted"
            payload=Payload.SGLANG,
            **FASTAPI_DIFFUSION_SERVER,
        ),
        Profile(
            name="relay",
            summary=(
                "new-api-like relay: create, retrieve, content (always the MP4), remix; no list, no delete (404); "
                "ids task_...; model required; upstream errors wrapped; remixed_from_video_id is the raw upstream id"
            ),
            source=NEW_API,
            # video-router.go: POST /v1/videos, GET /v1/videos/:task_id, GET /v1/videos/:task_id/content,
            # POST /v1/videos/:video_id/remix. gin has no 405s: everything else is NoRoute -> RelayNotFound 404.
            routes=frozenset({CREATE, RETRIEVE, CONTENT, REMIX}),
            method_not_allowed=False,
            errors=Errors.RELAY_TASK,
            content_errors=Errors.RELAY_PROXY,
            route_errors=Errors.RELAY_ROUTE,
            texts=Texts(
                # videoFetchByIDRespBodyBuilder: TaskErrorWrapperLocal(errors.New("task_not_exist"), ..., 400)
                not_found=Answer(400, "task_not_exist", code="task_not_exist"),
                # VideoProxy: 404 "Task not found"; 400 "Task is not completed yet, current status: <DB status>"
                content_not_found=Answer(404, "Task not found"),
                content_not_ready=Answer(400, "Task is not completed yet, current status: {status}"),
                content_failed=Answer(400, "Task is not completed yet, current status: {status}"),
                # the upstream's 404 for an expired asset: "Upstream service returned status 404" (502)
                content_expired=Answer(502, "Upstream service returned status 404", type="server_error"),
                invalid_url="Invalid URL ({method} {path})",
                status_names={"queued": "QUEUED", "in_progress": "IN_PROGRESS", "completed": "SUCCESS", "failed": "FAILURE"},
            ),
            ids=Ids.TASK,
            create=Create.RELAY,
            payload=Payload.RELAY,
            variants=False,  # VideoProxy fetches <upstream>/v1/videos/<id>/content without the query
            webhooks=False,
            remixed_from_raw=True,  # DoResponse only rewrites id/task_id; the upstream body keeps its own ids
            relays_upstream=True,
            request_id_header="X-Oneapi-Request-Id",  # common/constants.go RequestIdKey, set by middleware
            poll_after_header=False,
            retry_hint_header=False,
        ),
        Profile(
            name="statuswords",
            summary=(
                "the contract with other status words: pending/processing, done, and cancelled/expired for some "
                "failures (OpenRouter/xAI-like)"
            ),
            source="PROVIDERS.md section 1 (OpenRouter statuses add pending, cancelled, expired; xAI finishes 'done')",
            status_words={"queued": "pending", "in_progress": "processing", "completed": "done", "failed": "failed"},
            # a job failed with code "cancelled" / "expired" (faults.inject("fail_job", code=...)) reads as such
            failure_words={"cancelled": "cancelled", "expired": "expired"},
            expired_word="expired",  # a finished job whose content has expired
        ),
        Profile(
            name="longids",
            summary=(
                "the contract with opaque ids of 1,000+ characters (LiteLLM-like base64, only longer) and "
                "remixed_from_video_id as the raw upstream id"
            ),
            source="PROVIDERS.md section 2 (LiteLLM rewrites ids to ~266-char base64; remixes keep the raw id)",
            ids=Ids.LONG,
            remixed_from_raw=True,
        ),
    )
}


def get(name: str) -> Profile | None:
    return PROFILES.get(name)
