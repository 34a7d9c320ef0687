"""What the real LiteLLM proxy (1.110.2, its own venv) does in front of the studio's simulator: characterization.

Each test drives the proxy started by the ``litellm_proxy`` fixture (tests/litellm.py) with the studio's
own ``SoraClient`` (``max_retries=0``: every retry counted here is the proxy's), raw HTTP or the official SDK, and
asserts what the proxy really does today. The docstrings state the facts; the studio's LiteLLM support is built on
them, so each assertion is exact and fails when a new LiteLLM behaves differently. Upstream calls are counted with
the simulator's one-shot faults (a consumed fault is one request that reached the simulator) and its job table.

Not exercised here on purpose: a raw upstream id (``GET /v1/videos/video_<hex>``) or ``GET /v1/videos?
custom_llm_provider=openai`` make the proxy call https://api.openai.com/v1 (its hard-coded fallback, which ignores
``api_base``); offline they answer 500 "Cannot connect to host api.openai.com". Nothing may reach that host.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import time
from pathlib import Path

import openai
import pytest
import requests
from PIL import Image

from tests.conftest import wait_for
from videos.sora.client import SoraClient
from videos.sora.errors import SoraError
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimVideo
from videos.sora.types import ImageUpload, Video

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Every videos.* method of the SDK is @deprecated (the real API shut down on 2026-09-24): expected here.
    pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning"),
]

LITELLM_VERSION = "1.110.2"
# The decoded id: provider, model group, the simulator's own id, the deployment (a hash of the config entry).
DECODED_ID = re.compile(
    r"litellm:custom_llm_provider:openai;model_id:(?P<model>sora-2(?:-pro)?);"
    r"video_id:(?P<video_id>video_[0-9a-f]{48});deployment_id:(?P<deployment>[0-9a-f]{64})"
)
# The proxy's wording around an upstream error: "<prefix><upstream JSON body><suffix>".
UPSTREAM_ERROR_SUFFIX = "\n\nLiteLLM: model group 'sora-2' failed with the error above. No fallback was attempted."
VIDEO_KEYS = {
    "id", "object", "status", "created_at", "completed_at", "expires_at", "error", "progress",
    "remixed_from_video_id", "seconds", "size", "model", "usage",
}  # fmt: skip


@pytest.fixture
def proxy(studio, litellm_proxy, settings, tmp_path):
    """The session's proxy, its simulator with every knob at a known value (renders at once, no random faults)."""
    settings.SIM_MEDIA_DIR = str(tmp_path / "sim")
    settings.SIM_RENDER_SECONDS = 0.0
    settings.SIM_API_KEYS = []
    settings.SIM_FAULT_RATE = 0.0
    settings.SIM_POLL_AFTER_MS = None
    settings.SIM_MAX_IN_FLIGHT = 0
    return litellm_proxy


@pytest.fixture
def client(proxy):
    """The studio's client pointed at the proxy; it never retries by itself."""
    sora = SoraClient(api_key=proxy.master_key, base_url=proxy.base_url, timeout=(5.0, 120.0), max_retries=0)
    yield sora
    sora.close()


@pytest.fixture
def sdk(proxy):
    sdk = openai.OpenAI(api_key=proxy.master_key, base_url=proxy.base_url, max_retries=0, timeout=120)
    yield sdk
    sdk.close()


def call(proxy, method: str, path: str, *, key: str | None = None, **kwargs) -> requests.Response:
    """One raw request to the proxy, with its master key unless ``key`` says otherwise ("" sends none)."""
    key = proxy.master_key if key is None else key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.request(method, proxy.base_url + path, headers=headers, timeout=(5, 120), **kwargs)


def create(proxy, *, key: str | None = None, **fields) -> requests.Response:
    body = {"model": "sora-2", "prompt": "A heron waits in the reeds", **fields}
    return call(proxy, "POST", "/videos", key=key, json=body)


def upstream_jobs(proxy):
    """The simulator's jobs made through the proxy (the simulator files jobs under a hash of the caller's key)."""
    return SimVideo.objects.filter(key_hash=hashlib.sha256(proxy.upstream_api_key.encode()).hexdigest())


def decode(proxy_id: str) -> dict[str, str]:
    assert proxy_id.startswith("video_"), proxy_id
    match = DECODED_ID.fullmatch(base64.b64decode(proxy_id.removeprefix("video_"), validate=True).decode())
    assert match, proxy_id
    return match.groupdict()


def finished(client: SoraClient, video_id: str) -> Video:
    deadline = time.monotonic() + 60
    while True:
        video = client.retrieve(video_id)
        if video.is_terminal:
            return video
        assert time.monotonic() < deadline, f"{video_id} still {video.status}"
        time.sleep(0.1)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 90)).save(out, format="PNG")
    return out.getvalue()


def error_of(response: requests.Response) -> dict:
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]


# ---------------------------------------------------------------------------------------------------------------
# The happy path: create, poll, download
# ---------------------------------------------------------------------------------------------------------------
def test_json_create_poll_and_download_with_the_studio_client(client, proxy):
    """JSON create -> queued; retrieve -> completed; content -> the simulator's own MP4, byte for byte.

    The create reaches the simulator once, with the prompt (the proxy drops it only from its answers). Neither
    ``openai-poll-after-ms`` nor ``x-request-id`` comes back, so ``poll_after_ms`` and ``request_id`` are None.
    """
    created = client.create("A heron waits in the reeds", model="sora-2", size="720x1280", seconds=4)
    assert (created.status, created.model, created.size, created.seconds) == ("queued", "sora-2", "720x1280", "4")
    assert (created.prompt, created.poll_after_ms, created.request_id) == (None, None, None)
    job = upstream_jobs(proxy).get()
    assert job.id == decode(created.id)["video_id"] and job.prompt == "A heron waits in the reeds"

    video = finished(client, created.id)
    assert (video.id, video.status, video.progress, video.prompt) == (created.id, "completed", 100, None)
    assert video.expires_at == video.completed_at + 3600

    sink = io.BytesIO()
    download = client.download(created.id, sink)
    data = sink.getvalue()
    assert data[4:8] == b"ftyp"
    assert (download.content_type, download.bytes, download.request_id) == ("video/mp4", len(data), None)
    job.refresh_from_db()
    assert data == (Path(job.media_dir) / "video.mp4").read_bytes()


def test_multipart_create_with_a_reference_image(client, proxy):
    """Multipart with an ``input_reference`` of the exact size reaches the simulator with the image.

    An image of the wrong size is refused upstream; the proxy answers 400 with the simulator's message inside.
    """
    upload = ImageUpload("first-frame.png", png(1280, 720), "image/png")
    created = client.create("A kite over dunes", model="sora-2-pro", size="1280x720", seconds=8, input_reference=upload)
    assert (created.status, created.model, created.size, created.seconds) == ("queued", "sora-2-pro", "1280x720", "8")
    job = upstream_jobs(proxy).get(id=decode(created.id)["video_id"])
    assert (job.model, job.size, job.seconds, job.has_reference) == ("sora-2-pro", "1280x720", "8", True)
    assert finished(client, created.id).is_completed

    with pytest.raises(SoraError) as caught:
        client.create("A kite", model="sora-2", size="720x1280", input_reference=ImageUpload("small.png", png(64, 64)))
    assert caught.value.status == 400
    assert "Inpaint image must match the requested width and height" in caught.value.message
    assert upstream_jobs(proxy).count() == 1


def test_a_json_input_reference_object_fails_inside_the_proxy(client, proxy):
    """``input_reference: {"image_url": ...}`` (JSON) never reaches the simulator: the proxy fails turning it into
    a multipart part ("'dict' object has no attribute 'read'"), tries 3 times, then answers 400 (code "400"). On a
    loaded machine it was once seen answering 500 instead (its retries cut short); nothing reaches the upstream
    either way. (The studio never sends this form: its reference images go as multipart files.)
    """
    with pytest.raises(SoraError) as caught:
        client.create("A kite", model="sora-2", input_reference={"image_url": "https://example.com/frame.png"})
    error = caught.value
    assert upstream_jobs(proxy).count() == 0
    if error.status == 500:
        assert (error.code, error.retryable) == ("500", True), error.message
        return
    assert (error.status, error.code, error.retryable) == (400, "400", False), error.message
    assert error.message.startswith("Invalid request format: litellm.InternalServerError: ")
    assert "AttributeError(\"'dict' object has no attribute 'read'\")" in error.message
    assert error.message.endswith("LiteLLM Retried: 2 times, LiteLLM Max Retries: 2")


def test_seconds_as_a_json_integer_is_accepted(proxy, studio):
    """The proxy re-sends a create upstream as multipart form data, so a JSON integer ``seconds`` becomes "4".

    (The simulator itself rejects the integer with 400 invalid_type, as the real API did.)
    """
    direct = requests.post(
        f"{studio.url}/sim/v1/videos", json={"prompt": "x", "seconds": 4}, headers={"Authorization": "Bearer sk-x"},
        timeout=(5, 60),
    )  # fmt: skip
    assert (direct.status_code, error_of(direct)["code"]) == (400, "invalid_type")
    response = create(proxy, seconds=4)
    assert response.status_code == 200 and response.json()["seconds"] == "4"
    assert upstream_jobs(proxy).get().seconds == "4"


def test_the_video_object_loses_prompt_and_gains_usage(proxy):
    """The proxy's video object has no ``prompt`` and adds ``usage``: {"duration_seconds": N} on create and remix,
    null on retrieve. Its own headers say the version and a cost from LiteLLM's local cost map (sora-2: 0.1 a
    second, sora-2-pro at 1280x720: 0.3 a second); nothing says the upstream request id.
    """
    response = create(proxy, seconds="8")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == VIDEO_KEYS
    assert body["usage"] == {"duration_seconds": 8.0}
    headers = response.headers
    assert headers["x-litellm-version"] == LITELLM_VERSION
    assert (headers["x-litellm-model-group"], headers["x-litellm-model-name"]) == ("sora-2", "openai/sora-2")
    assert headers["x-litellm-model-api-base"] == proxy.upstream_base_url
    assert headers["x-litellm-response-cost"] == "0.8"
    assert headers["x-litellm-attempted-retries"] == "0"

    pro = create(proxy, model="sora-2-pro", size="1280x720", seconds="4")
    assert pro.headers["x-litellm-response-cost"] == "1.2"

    retrieved = call(proxy, "GET", f"/videos/{body['id']}").json()
    assert set(retrieved) == VIDEO_KEYS and retrieved["usage"] is None


def test_ids_are_base64_of_provider_model_upstream_id_and_deployment(client, proxy):
    """An id is ``video_`` + standard base64 (with ``=`` padding) of
    ``litellm:custom_llm_provider:openai;model_id:<model group>;video_id:<simulator id>;deployment_id:<64 hex>``:
    266 characters for sora-2, 270 for sora-2-pro (the simulator's own ids are 54). The deployment id is stable
    per config entry. Retrieval routes by the model group inside: an id the studio encodes itself from the
    simulator's id, without the deployment part, works too and comes back as the full id.
    """
    first = client.create("One", model="sora-2")
    second = client.create("Two", model="sora-2")
    pro = client.create("Three", model="sora-2-pro")
    assert (len(first.id), len(second.id), len(pro.id)) == (266, 266, 270)
    parts = [decode(video.id) for video in (first, second, pro)]
    assert [part["model"] for part in parts] == ["sora-2", "sora-2", "sora-2-pro"]
    assert parts[0]["deployment"] == parts[1]["deployment"] != parts[2]["deployment"]
    upstream_ids = set(upstream_jobs(proxy).values_list("id", flat=True))
    assert upstream_ids == {part["video_id"] for part in parts}
    assert all(len(video_id) == 54 for video_id in upstream_ids)

    ours = "video_" + base64.b64encode(
        f"litellm:custom_llm_provider:openai;model_id:sora-2;video_id:{parts[0]['video_id']}".encode()
    ).decode()
    video = finished(client, ours)
    assert (video.id, video.status) == (first.id, "completed")


# ---------------------------------------------------------------------------------------------------------------
# Variants, remix, delete, list
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["thumbnail", "spritesheet"])
def test_every_content_variant_is_the_mp4(client, proxy, variant):
    """``content?variant=thumbnail|spritesheet`` returns the MP4 (``video/mp4``, the same bytes as the video)
    although the simulator has the WebP/JPEG: the proxy drops ``variant`` on the way up. The answer is an
    attachment named ``video_<proxy id>.mp4``.
    """
    created = client.create("A lighthouse at dusk", model="sora-2")
    assert finished(client, created.id).is_completed
    video, other = io.BytesIO(), io.BytesIO()
    client.download(created.id, video)
    download = client.download(created.id, other, variant=variant)
    assert download.content_type == "video/mp4"
    assert other.getvalue() == video.getvalue() and other.getvalue()[4:8] == b"ftyp"
    job = upstream_jobs(proxy).get()
    assert (Path(job.media_dir) / {"thumbnail": "thumbnail.webp", "spritesheet": "spritesheet.jpg"}[variant]).is_file()

    response = call(proxy, "GET", f"/videos/{created.id}/content", params={"variant": variant})
    assert response.headers["content-disposition"] == f"attachment; filename=video_{created.id}.mp4"


def test_remix_keeps_the_upstream_id_of_its_source(client, proxy):
    """Remix works; the new job's id is a proxy id, but its ``remixed_from_video_id`` is the simulator's raw id
    (not the proxy id the studio knows the source by).
    """
    source = client.create("A red boat", model="sora-2", seconds=4)
    assert finished(client, source.id).is_completed
    remix = client.remix(source.id, "The boat is blue")
    source_upstream = decode(source.id)["video_id"]
    assert remix.status == "queued" and decode(remix.id)["model"] == "sora-2"
    assert remix.remixed_from_video_id == source_upstream
    job = upstream_jobs(proxy).get(id=decode(remix.id)["video_id"])
    assert (job.kind, job.remixed_from_video_id, job.prompt) == ("remix", source_upstream, "The boat is blue")
    assert finished(client, remix.id).remixed_from_video_id == source_upstream


def test_edits_and_extensions_pass_through(proxy):
    """``POST /videos/edits`` and ``/videos/extensions`` with ``video: {"id": <proxy id>}`` reach the simulator with
    the decoded id; the answers carry proxy ids (an edit's ``remixed_from_video_id`` is the raw upstream id).
    """
    source_id = create(proxy).json()["id"]
    source_upstream = decode(source_id)["video_id"]
    wait_for(lambda: call(proxy, "GET", f"/videos/{source_id}").json()["status"] == "completed", what="the source")
    reference = {"model": "sora-2", "video": {"id": source_id}}
    edit = call(proxy, "POST", "/videos/edits", json={**reference, "prompt": "Night"})
    extension = call(proxy, "POST", "/videos/extensions", json={**reference, "prompt": "More", "seconds": "4"})
    assert (edit.status_code, extension.status_code) == (200, 200)
    assert edit.json()["remixed_from_video_id"] == source_upstream and extension.json()["seconds"] == "8"
    for response, kind in ((edit, "edit"), (extension, "extension")):
        job = upstream_jobs(proxy).get(id=decode(response.json()["id"])["video_id"])
        assert (job.kind, job.source_video_id) == (kind, source_upstream)


def test_delete_is_not_routed_and_list_needs_a_provider(client, proxy):
    """``DELETE /v1/videos/{id}`` -> 405 ``{"detail": "Method Not Allowed"}`` with ``allow: GET`` (the upstream
    job stays). ``GET /v1/videos`` -> 400 "LLM Provider NOT provided" in the proxy's own envelope.
    """
    created = client.create("A paper plane", model="sora-2")
    assert finished(client, created.id).is_completed
    response = call(proxy, "DELETE", f"/videos/{created.id}")
    assert (response.status_code, response.json(), response.headers["allow"]) == (
        405, {"detail": "Method Not Allowed"}, "GET",
    )  # fmt: skip
    with pytest.raises(SoraError) as caught:
        client.delete(created.id)
    assert (caught.value.status, caught.value.message, caught.value.retryable) == (405, "405 Method Not Allowed", False)
    assert upstream_jobs(proxy).count() == 1

    listed = call(proxy, "GET", "/videos")
    assert listed.status_code == 400
    error = error_of(listed)
    assert error["message"].startswith("litellm.BadRequestError: LLM Provider NOT provided.")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, "400")
    with pytest.raises(SoraError) as caught:
        client.list_page()
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (400, "400", False)


# ---------------------------------------------------------------------------------------------------------------
# Headers and errors
# ---------------------------------------------------------------------------------------------------------------
def test_upstream_headers_are_dropped_on_success(proxy, studio):
    """The simulator answers a create with ``openai-poll-after-ms`` and ``x-request-id``; the proxy forwards
    neither on a 2xx (it sends its own ``x-litellm-call-id`` instead).
    """
    direct = requests.post(
        f"{studio.url}/sim/v1/videos", json={"prompt": "x"}, headers={"Authorization": "Bearer sk-x"}, timeout=(5, 60)
    )
    assert direct.status_code == 200 and direct.headers["openai-poll-after-ms"] == "100"
    assert direct.headers["x-request-id"].startswith("req_")

    response = create(proxy)
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert "openai-poll-after-ms" not in response.headers
    assert not any("request-id" in name.lower() for name in response.headers)
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-litellm-call-id"])


def test_an_upstream_error_is_wrapped_in_the_proxys_envelope(client, proxy):
    """A 400 from the simulator keeps its status, but the envelope is the proxy's: ``message`` is
    "litellm.BadRequestError: OpenAIException - " + the simulator's whole JSON body + a LiteLLM sentence, ``param``
    is null (the upstream one is only inside the message), ``code`` is the status as a string. Upstream headers
    come back prefixed ``llm_provider-``; the upstream request id also as ``request-id`` (never ``x-request-id``,
    so ``SoraError.request_id`` is None).
    """
    response = create(proxy, size="999x999")
    assert response.status_code == 400
    error = error_of(response)
    prefix = "litellm.BadRequestError: OpenAIException - "
    assert error["message"].startswith(prefix) and error["message"].endswith(UPSTREAM_ERROR_SUFFIX)
    upstream = json.loads(error["message"][len(prefix) : -len(UPSTREAM_ERROR_SUFFIX)])["error"]
    assert (upstream["param"], upstream["code"]) == ("size", "invalid_value")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, "400")
    headers = response.headers
    assert headers["request-id"] == headers["llm_provider-x-request-id"] and headers["request-id"].startswith("req_")
    assert headers["llm_provider-x-should-retry"] == "false"
    assert "x-request-id" not in headers and "x-should-retry" not in headers
    assert upstream_jobs(proxy).count() == 0

    with pytest.raises(SoraError) as caught:
        client.create("x", model="sora-2", size="999x999")
    error = caught.value
    assert (error.status, error.type, error.code, error.param, error.request_id) == (
        400, "invalid_request_error", "400", None, None,
    )  # fmt: skip
    assert not error.retryable and not error.maybe_created


def test_the_proxys_own_request_errors(proxy):
    """Errors the proxy raises itself, before any upstream call:
    - no ``model`` or an unknown one -> 400 "/videos: Invalid model name passed in model=<name>. ..." with an extra
      ``provider_specific_fields``;
    - no ``prompt`` -> 400 with ``param`` "prompt" (the only error seen with a param);
    - no key -> 401 ``auth_error``; a key other than the master key -> 400 "No connected db." (``no_db_connection``:
      without a database the proxy knows only its master key).
    """
    unknown = "/videos: Invalid model name passed in model={}. Call `/v1/models` to view available models for your key."
    cases = [
        (call(proxy, "POST", "/videos", json={"prompt": "x"}), 400, "invalid_request_error", None, "400",
         unknown.format("None")),
        (create(proxy, model="sora-9"), 400, "invalid_request_error", None, "400", unknown.format("sora-9")),
        (call(proxy, "POST", "/videos", json={"model": "sora-2"}), 400, "invalid_request_error", "prompt", "400",
         "/videos: Missing required parameter: 'prompt'."),
        (create(proxy, key=""), 401, "auth_error", None, "401", "Authentication Error, No api key passed in."),
        (create(proxy, key="sk-not-the-master"), 400, "no_db_connection", None, "400", "No connected db."),
    ]  # fmt: skip
    for response, status, type_, param, code, message in cases:
        error = error_of(response)
        assert (response.status_code, error["type"], error["param"], error["code"]) == (status, type_, param, code)
        assert error["message"] == message
    assert set(error_of(cases[0][0])["provider_specific_fields"]) == {"error"}
    assert upstream_jobs(proxy).count() == 0


def test_a_failed_job_passes_through(client, proxy):
    """A job that fails upstream reads ``status: failed`` with the simulator's ``error`` {code, message};
    its content answers 404 wrapped as "litellm.NotFoundError: OpenAIException - ...".
    """
    faults.inject("fail_job", code="internal_error")
    created = client.create("A glass vase", model="sora-2")
    video = finished(client, created.id)
    assert (video.status, video.error.code, video.error.message) == (
        "failed", "internal_error", "Video generation failed (simulated).",
    )  # fmt: skip
    response = call(proxy, "GET", f"/videos/{created.id}/content")
    assert response.status_code == 404
    error = error_of(response)
    assert error["message"].startswith("litellm.NotFoundError: OpenAIException - ")
    assert (error["type"], error["code"]) == ("invalid_request_error", "404")


# ---------------------------------------------------------------------------------------------------------------
# Retries inside the proxy (router default: 2 retries, a few seconds of backoff)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, attempts, error_type, exception",
    [
        (400, 1, "invalid_request_error", "litellm.BadRequestError: "),
        (408, 3, "invalid_request_error", "litellm.BadRequestError: "),
        (409, 3, "invalid_request_error", "litellm.BadRequestError: "),
        (429, 3, "throttling_error", "litellm.RateLimitError: RateLimitError: "),
        (500, 3, "internal_server_error", "litellm.InternalServerError: InternalServerError: "),
        (502, 3, "internal_server_error", "litellm.BadGatewayError: BadGatewayError: "),
        (503, 3, "internal_server_error", "litellm.ServiceUnavailableError: ServiceUnavailableError: "),
    ],
    ids=["400", "408", "409", "429", "500", "502", "503"],
)
def test_a_create_failing_upstream_is_retried_by_the_proxy(proxy, status, attempts, error_type, exception):
    """The proxy itself re-POSTs a create after an upstream 408, 409, 429 or 5xx: 3 upstream calls in all, then the
    last status comes back wrapped (408/409 as BadRequestError). A 400 is sent once. A ``retry-after-ms`` hint is
    only forwarded as ``llm_provider-retry-after-ms``.
    """
    faults.inject("status", status=status, method="POST", path="^videos$", retry_after_ms=50, times=5)
    response = create(proxy)
    assert 5 - faults.pending() == attempts
    assert response.status_code == status
    error = error_of(response)
    assert error["message"].startswith(exception + "OpenAIException - ")
    assert error["message"].endswith(UPSTREAM_ERROR_SUFFIX)
    assert (error["type"], error["param"], error["code"]) == (error_type, None, str(status))
    assert response.headers["llm_provider-retry-after-ms"] == "50" and "retry-after-ms" not in response.headers
    assert upstream_jobs(proxy).count() == 0


def test_a_create_that_succeeds_on_a_retry_says_so_in_a_header(proxy):
    """Two upstream 500s then success: 200 with ``x-litellm-attempted-retries: 2`` (``x-litellm-max-retries: 2``)."""
    faults.inject("status", status=500, method="POST", path="^videos$", times=2)
    response = create(proxy)
    assert response.status_code == 200 and faults.pending() == 0
    assert (response.headers["x-litellm-attempted-retries"], response.headers["x-litellm-max-retries"]) == ("2", "2")
    assert upstream_jobs(proxy).get().id == decode(response.json()["id"])["video_id"]


def test_a_create_whose_answer_was_lost_is_sent_again_and_makes_two_jobs(proxy):
    """When the connection drops after the simulator created the job, the proxy POSTs again: the client gets
    200 with one id (``x-litellm-attempted-retries: 1``) and a second, orphaned job exists upstream (paid twice).
    """
    faults.inject("cutoff", method="POST", path="^videos$")
    response = create(proxy)
    assert response.status_code == 200 and response.headers["x-litellm-attempted-retries"] == "1"
    jobs = list(upstream_jobs(proxy).order_by("seq").values_list("id", flat=True))
    assert len(jobs) == 2 and decode(response.json()["id"])["video_id"] == jobs[1]


@pytest.mark.parametrize(
    "method, suffix, path",
    [("GET", "", r"^videos/video_[0-9a-f]+$"), ("GET", "/content", "/content$"), ("POST", "/remix", "/remix$")],
    ids=["retrieve", "content", "remix"],
)
def test_retrieve_content_and_remix_are_retried_too(client, proxy, method, suffix, path):
    """An upstream 500 on retrieve, content or remix is also tried 3 times before the 500 comes back."""
    created = client.create("A tram in the rain", model="sora-2")
    assert finished(client, created.id).is_completed
    faults.inject("status", status=500, method=method, path=path, times=5)
    body = {"prompt": "Snow"} if method == "POST" else None
    response = call(proxy, method, f"/videos/{created.id}{suffix}", json=body)
    assert (response.status_code, 5 - faults.pending()) == (500, 3)
    assert error_of(response)["code"] == "500"
    assert upstream_jobs(proxy).count() == 1


# ---------------------------------------------------------------------------------------------------------------
# The official SDK (3.54.0, the studio's test venv) through the proxy
# ---------------------------------------------------------------------------------------------------------------
def test_the_official_sdk_through_the_proxy(sdk, proxy):
    """``create_and_poll``, ``download_content``, ``remix`` and a multipart create with a (name, bytes, type)
    tuple work; ``delete`` raises ``APIStatusError`` 405 and ``list`` ``BadRequestError`` 400.
    """
    video = sdk.videos.create_and_poll(model="sora-2", prompt="A swing in the wind", size="720x1280", seconds="4")
    assert (video.status, video.prompt, video.usage) == ("completed", None, None)
    content = sdk.videos.download_content(video.id)
    assert content.response.headers["content-type"] == "video/mp4" and content.read()[4:8] == b"ftyp"

    remix = sdk.videos.remix(video.id, prompt="At night")
    assert remix.remixed_from_video_id == decode(video.id)["video_id"]
    assert remix.usage == {"duration_seconds": 4.0}

    frame = ("f.png", png(1280, 720), "image/png")
    with_image = sdk.videos.create(model="sora-2-pro", prompt="From this frame", size="1280x720", input_reference=frame)
    assert upstream_jobs(proxy).get(id=decode(with_image.id)["video_id"]).has_reference

    with pytest.raises(openai.APIStatusError) as caught:
        sdk.videos.delete(video.id)
    assert caught.value.status_code == 405
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.videos.list()
    assert caught.value.code == "400"
