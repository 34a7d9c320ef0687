"""SoraClient against what real servers do (PROVIDERS.md): other error shapes, lenient video objects, caps.

Three kinds of server: the recording fake transport of test_client.py (exact bytes, no network), the simulator's
profiles over real HTTP (vLLM-Omni, SGLang, the new-api-like relay), and ``LocalServer`` below, a tiny threaded
``http.server`` that misbehaves on purpose (HTML, garbage, redirect loops, bodies that never end).
``LocalServer`` is also used by the probe's bad-input tests (tests/providers/test_probe_bad_input.py).
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.sora.sim_profiles import sim_profile_url  # noqa: F401  (a fixture)
from tests.sora.test_client import (  # noqa: F401  (fixtures)
    BASE,
    KEY,
    VID,
    ChunkSink,
    client,
    envelope,
    mount,
    sleeps,
    transport,
    video_json,
)
from videos.sora import client as client_module
from videos.sora.client import MESSAGE_LIMIT, SoraClient
from videos.sora.errors import SoraError
from videos.sora.simulator import faults
from videos.sora.types import Video

MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------------------------------
# A local server that misbehaves
# ---------------------------------------------------------------------------------------------------------------
Handler = Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering each request with the first route whose method and path
    regex match (``404 text/plain`` otherwise). Routes are plain functions of the request handler."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler]] = []
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[bytes] = []
        self.sent: dict[str, int] = {}  # bytes each streaming route wrote, by path
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def handle_any(self):
                server.requests.append((self.command, self.path))
                length = int(self.headers.get("content-length") or 0)
                self.body = self.rfile.read(length) if length else b""
                server.bodies.append(self.body)
                for method, pattern, handler in server.routes:
                    if method in ("*", self.command) and pattern.search(self.path):
                        return handler(self)
                send(self, 404, b"no route", "text/plain")

            do_GET = do_POST = do_DELETE = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(path), handler))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, headers=None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def answer(status: int, payload: object = None, *, body: bytes | None = None, content_type="application/json",
           headers=None) -> Handler:  # fmt: skip
    data = body if body is not None else json.dumps(payload).encode()
    return lambda handler: send(handler, status, data, content_type, headers)


def html(status: int = 200) -> Handler:
    page = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>" + b"x" * 2000 + b"</body></html>"
    return answer(status, body=page, content_type="text/html")


def redirect_to_itself() -> Handler:
    def handle(handler):
        send(handler, 302, b"", "text/plain", {"Location": handler.path})

    return handle


def endless(
    server: LocalServer, status: int, content_type: str, head: bytes = b"", *, length: int | None = None,
    pause: float = 0.0, chunk: int = 256 * 1024,
) -> Handler:  # fmt: skip
    """A body that never ends (``length``: a Content-Length to announce, e.g. 10 GB; else none, connection close),
    ``chunk`` bytes at a time with ``pause`` seconds between. Stops when the client hangs up; ``server.sent[path]``
    says how many bytes went out."""

    def handle(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        piece = b"\0" * chunk
        sent = 0
        try:
            handler.wfile.write(head)
            sent += len(head)
            while sent < 64 * 1024**3:
                handler.wfile.write(piece)
                handler.wfile.flush()
                sent += len(piece)
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            server.sent[handler.path.split("?")[0]] = sent

    return handle


@pytest.fixture
def local_server():
    server = LocalServer()
    yield server
    server.close()


def local_client(server: LocalServer, **kwargs) -> SoraClient:
    return SoraClient(api_key=KEY, base_url=f"{server.url}/v1", timeout=(3.0, 10.0), max_retries=0, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------------
# Error bodies in other servers' shapes (fake transport: exact bytes)
# ---------------------------------------------------------------------------------------------------------------
def raised(client: SoraClient, call=lambda c: c.retrieve(VID)) -> SoraError:
    client.max_retries = 0
    with pytest.raises(SoraError) as info:
        call(client)
    return info.value


def test_a_fastapi_detail_string_is_the_message(client, transport):
    transport.reply(404, {"detail": "Video not found"})

    error = raised(client)

    assert (error.status, error.message, error.type, error.code, error.param) == (
        404,
        "Video not found",
        None,
        None,
        None,
    )


def test_a_detail_that_only_repeats_the_reason_reads_as_the_status_line(client, transport):
    """LiteLLM's 405 for DELETE is FastAPI's ``{"detail": "Method Not Allowed"}``."""
    transport.reply(405, {"detail": "Method Not Allowed"})  # the fake's reason line says "Error"

    error = raised(client, lambda c: c.delete(VID))

    assert (error.status, error.message, error.retryable) == (405, "405 Method Not Allowed", False)


def test_a_fastapi_validation_list_names_each_field_and_the_first_param(client, transport):
    detail = [
        {"type": "missing", "loc": ["body", "prompt"], "msg": "Field required", "input": None},
        {"type": "string_pattern_mismatch", "loc": ["body", "size"], "msg": "String should match pattern '^\\d+x\\d+$'",
         "input": "big"},
    ]  # fmt: skip
    transport.reply(422, {"detail": detail})

    error = raised(client, lambda c: c.create("x"))

    assert error.message == "prompt: Field required; size: String should match pattern '^\\d+x\\d+$'"
    assert (error.status, error.param, error.retryable) == (422, "prompt", False)


def test_a_new_api_task_error_gives_its_message_and_code(client, transport):
    transport.reply(400, {"code": "invalid_size", "message": "sora-2 size is invalid", "data": None})

    error = raised(client, lambda c: c.create("x", model="sora-2", size="9x9"))

    assert (error.status, error.message, error.code, error.type) == (
        400,
        "sora-2 size is invalid",
        "invalid_size",
        None,
    )


def test_a_relayed_upstream_body_inside_the_message_gives_the_upstreams_message(client, transport):
    upstream = envelope("Invalid value: 'x'. Supported values are: '4', '8', and '12'.", param="seconds",
                        code="invalid_value")  # fmt: skip
    transport.reply(400, {"code": "fail_to_fetch_task", "message": json.dumps(upstream), "data": None})

    error = raised(client, lambda c: c.create("x", seconds="x"))

    assert error.message == "Invalid value: 'x'. Supported values are: '4', '8', and '12'."
    assert error.code == "fail_to_fetch_task"


def test_a_litellm_wrapped_error_gives_the_upstreams_message_and_keeps_the_proxys_fields(client, transport):
    upstream = json.dumps(envelope("Invalid value: '999x999'.", param="size", code="invalid_value"))
    message = (
        f"litellm.BadRequestError: OpenAIException - {upstream}\n\n"
        "LiteLLM: model group 'sora-2' failed with the error above. No fallback was attempted."
    )
    transport.reply(400, envelope(message, code="400"))

    error = raised(client, lambda c: c.create("x", size="999x999"))

    assert error.message == "Invalid value: '999x999'."
    assert (error.type, error.code, error.param) == ("invalid_request_error", "400", None)


def test_a_litellm_error_without_an_upstream_body_is_kept_whole(client, transport):
    message = "litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM provider you are trying to call."
    transport.reply(400, envelope(message, code="400"))

    assert raised(client, lambda c: c.list_page()).message == message


def test_vllm_envelope_with_an_integer_code(client, transport):
    message = "1 validation error:\n  {'type': 'missing', 'loc': ['body', 'prompt'], 'msg': 'Field required'}\n"
    transport.reply(400, {"error": {"message": message, "type": "Bad Request", "param": None, "code": 400}})

    error = raised(client, lambda c: c.create("x"))

    assert (
        error.message == "1 validation error: {'type': 'missing', 'loc': ['body', 'prompt'], 'msg': 'Field required'}"
    )
    assert (error.type, error.code) == ("Bad Request", "400")


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>" + KEY.encode() + b"</p></body></html>", "text/html"),
        (b"<html><body>Bad gateway</body></html>", "application/octet-stream"),
        (b"   ", "text/plain"),
        (json.dumps({"error": {"message": "<html><body>oops</body></html>"}}).encode(), "application/json"),
    ],
    ids=["html", "html-without-its-type", "blank", "html-inside-json"],
)
def test_html_or_nothing_is_never_echoed(client, transport, body, content_type):
    transport.reply(502, body=body, headers={"Content-Type": content_type})

    error = raised(client)

    assert (error.status, error.message, error.retryable) == (502, "502 Bad Gateway", True)


def test_plain_text_is_the_message_on_one_line(client, transport):
    transport.reply(503, body=b"upstream connect error or disconnect/reset before headers.\nreset reason: overflow",
                    headers={"Content-Type": "text/plain"})  # fmt: skip

    error = raised(client)

    assert error.message == "upstream connect error or disconnect/reset before headers. reset reason: overflow"


def test_a_long_message_is_cut_in_the_middle_after_the_key_is_redacted(client, transport):
    message = "Start of the story. " + ("blah " * 400) + f"key {KEY} " + ("blah " * 400) + "The end."
    transport.reply(400, envelope(message))

    error = raised(client)

    assert len(error.message) <= MESSAGE_LIMIT
    assert error.message.startswith("Start of the story.") and error.message.endswith("The end.")
    assert "[…]" in error.message and KEY not in error.message


def test_an_error_body_is_read_only_up_to_its_cap(client, transport):
    transport.reply(500, body=b'{"error": {"message": "' + b"x" * (5 * MIB) + b'"}}',
                    headers={"Content-Type": "application/json"})  # fmt: skip

    error = raised(client)

    assert (error.status, error.message) == (500, "500 Error")  # the fake transport's reason line
    assert transport.responses[0].raw.position <= client_module.ERROR_BODY_LIMIT + 64 * 1024
    assert transport.responses[0].raw.let_go


def test_a_post_that_is_redirected_is_not_followed(client, transport):
    transport.reply(307, body=b"", headers={"Location": "/v1/elsewhere"})

    error = raised(client, lambda c: c.create("x"))

    assert (error.status, error.message) == (307, "307 Error (a redirect, not followed for POST)")
    assert len(transport.calls) == 1


# ---------------------------------------------------------------------------------------------------------------
# 2xx answers that are not what was asked
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, content_type, message",
    [
        (b"<html><body>Welcome to nginx!</body></html>", "text/html",
         "the server answered HTML (status 200), not JSON: is the base URL right?"),
        (b'{"id": "video_1", "status": ', "application/json",
         "the server answered something that is not JSON (status 200, application/json)"),
        (b"", "application/json", "the server answered an empty body (status 200) where JSON was expected"),
        (b'["not", "an", "object"]', "application/json",
         "unexpected response body: expected a JSON object for a video, "
         "got list"),
    ],
    ids=["html", "garbage", "empty", "array"],
)  # fmt: skip
def test_a_2xx_that_is_not_a_video_is_a_clear_permanent_error(client, transport, body, content_type, message):
    transport.reply(200, body=body, headers={"Content-Type": content_type})

    error = raised(client)

    assert (error.status, error.message, error.retryable) == (200, message, False)


def test_a_json_answer_larger_than_its_cap_is_refused(client, transport, monkeypatch):
    monkeypatch.setattr(client_module, "JSON_BODY_LIMIT", 4096)
    transport.reply(200, video_json(prompt="p" * 10_000))

    error = raised(client, lambda c: c.create("x"))

    assert error.message == "the server's answer is larger than 4 KiB"
    assert error.maybe_created  # a create's answer we could not read: the job may exist
    assert transport.responses[0].raw.position <= 4096 + 64 * 1024


# ---------------------------------------------------------------------------------------------------------------
# Video objects
# ---------------------------------------------------------------------------------------------------------------
def test_video_fields_are_read_leniently():
    long_id = "video_" + "A" * 1200
    data = {
        "id": long_id, "status": "Processing", "size": None, "seconds": 8, "progress": 47.9, "model": None,
        "created_at": 1758941485.7, "error": None, "usage": {"duration_seconds": 8.0}, "file_path": "/x.mp4",
    }  # fmt: skip

    video = Video.from_json(data)

    assert (video.id, video.status, video.size, video.seconds, video.progress) == (long_id, "Processing", "", "8", 47)
    assert (video.prompt, video.model, video.created_at, video.error) == (None, "", 1758941485, None)


@pytest.mark.parametrize(
    "progress, expected", [(None, 0), ("63.5", 63), (150, 100), (-5, 0), ("lots", 0), (float("nan"), 0), (True, 0)]
)
def test_progress_is_a_whole_percentage_from_anything(progress, expected):
    data = {"id": "x", "status": "in_progress"}
    if progress is not None:
        data["progress"] = progress
    assert Video.from_json(data).progress == expected


@pytest.mark.parametrize(
    "error, code, message",
    [
        ({"code": 500, "message": "CUDA out of memory"}, "500", "CUDA out of memory"),  # vLLM-Omni
        ({"message": "boom"}, "", "boom"),  # SGLang
        ("Generation failed", "", "Generation failed"),
    ],
)
def test_error_objects_of_other_servers(error, code, message):
    video = Video.from_json({"id": "x", "status": "failed", "error": error})

    assert (video.error.code, video.error.message) == (code, message)


@pytest.mark.parametrize(
    "status, error, looks_failed",
    [
        ("failed", None, True), ("FAILURE", None, True), ("cancelled", None, True), ("expired", None, True),
        ("error", None, True), ("completed", None, False), ("done", None, False),
        ("processing", {"message": "x"}, False),
        ("weird", {"message": "x"}, True),
    ],
)  # fmt: skip
def test_a_failure_is_recognised_in_other_words(status, error, looks_failed):
    assert Video.from_json({"id": "x", "status": status, "error": error}).looks_failed is looks_failed


def test_a_failed_job_answered_with_an_error_status_is_returned_not_raised(client, transport, sleeps):
    """vLLM-Omni answers a failed job's retrieve with 500 and the job as the body: no retry, the job comes back."""
    failed = video_json(status="failed", progress=0, error={"code": 500, "message": "CUDA out of memory"})
    transport.reply(500, failed)

    video = client.retrieve(VID)

    assert (video.status, video.http_status, video.error.code, video.error.message) == (
        "failed", 500, "500", "CUDA out of memory",
    )  # fmt: skip
    assert len(transport.calls) == 1 and sleeps == []


def test_an_error_status_with_a_pending_job_body_is_still_an_error(client, transport, sleeps):
    transport.reply(500, video_json(status="in_progress"))
    transport.reply(200, video_json(status="in_progress"))

    video = client.retrieve(VID)

    assert (video.status, video.http_status) == ("in_progress", 200)
    assert len(transport.calls) == 2 and sleeps == [0.5]


def test_only_a_retrieve_returns_a_failed_job_body(client, transport):
    transport.reply(500, video_json(status="failed", error={"code": "x", "message": "y"}))

    error = raised(client, lambda c: c.remix(VID, "again"))

    assert (error.status, error.message, error.maybe_created) == (500, "y", True)


# ---------------------------------------------------------------------------------------------------------------
# Download caps (fake transport)
# ---------------------------------------------------------------------------------------------------------------
def test_a_download_announced_larger_than_its_cap_is_refused_before_reading(client, transport):
    transport.reply(200, body=b"RIFF", headers={"Content-Type": "image/webp", "Content-Length": str(10 * 1024**3)})
    sink = ChunkSink()

    with pytest.raises(SoraError) as info:
        client.download(VID, sink, variant="thumbnail")

    assert (
        info.value.message == "the thumbnail is 10 GiB, more than the 20 MiB the studio accepts (SORA_MAX_IMAGE_BYTES)"
    )
    assert not info.value.retryable and sink.writes == []
    assert transport.responses[0].raw.let_go


def test_a_download_stops_at_its_cap_when_the_size_was_not_announced(client, transport):
    transport.reply(200, body=b"\0" * (3 * MIB), headers={"Content-Type": "video/mp4"})
    sink = ChunkSink()

    with pytest.raises(SoraError) as info:
        client.download(VID, sink, max_bytes=MIB + 10, chunk_size=64 * 1024)

    assert info.value.message == "the video is larger, more than the 1 MiB the studio accepts (SORA_MAX_DOWNLOAD_BYTES)"
    assert sum(sink.writes) <= MIB + 10 and not info.value.retryable


def test_download_caps_come_from_settings(settings, transport, sleeps):
    settings.SORA_MAX_DOWNLOAD_BYTES = 5000
    settings.SORA_MAX_IMAGE_BYTES = 2000
    client = mount(SoraClient(api_key=KEY, base_url=BASE), transport, sleeps)

    assert client.max_download_bytes == {"video": 5000, "thumbnail": 2000, "spritesheet": 2000}
    transport.reply(200, body=b"\xff\xd8\xff" + b"\0" * 2000, headers={"Content-Type": "image/jpeg"})
    with pytest.raises(SoraError, match="more than the 1.95 KiB"):
        client.download(VID, io.BytesIO(), variant="spritesheet")


# ---------------------------------------------------------------------------------------------------------------
# Raw calls (for the probe)
# ---------------------------------------------------------------------------------------------------------------
def test_call_returns_any_status_once_with_the_key_redacted_and_counts_requests(client, transport, sleeps):
    transport.reply(503, {"error": {"message": f"bad key {KEY}"}}, headers={"x-echo": KEY, "Retry-After": "1"})

    answer = client.call("POST", "/videos", json_body={"prompt": "x"})

    assert (answer.status, answer.ok, answer.content_type) == (503, False, "application/json")
    assert answer.json() == {"error": {"message": "bad key [redacted]"}}
    assert answer.headers["x-echo"] == "[redacted]" and answer.headers["retry-after"] == "1"
    assert (len(transport.calls), sleeps, client.calls) == (1, [], 1)


def test_call_caps_the_body_it_keeps(client, transport):
    transport.reply(200, body=b"x" * 5000, headers={"Content-Type": "text/plain"})

    answer = client.call("GET", "/videos", max_bytes=100)

    assert (len(answer.body), answer.truncated, answer.json()) == (100, True, None)


# ---------------------------------------------------------------------------------------------------------------
# Real servers: the simulator's profiles
# ---------------------------------------------------------------------------------------------------------------
def sim_client(base_url: str) -> SoraClient:
    return SoraClient(api_key="sk-tolerance", base_url=base_url, timeout=(3.0, 30.0), max_retries=0)


def wait_terminal(sora: SoraClient, video_id: str) -> Video:
    deadline = time.monotonic() + 30
    while True:
        video = sora.retrieve(video_id)
        if video.status not in ("queued", "in_progress"):
            return video
        assert time.monotonic() < deadline, video.status
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_vllm_omni_failed_job_comes_back_from_retrieve(sim_profile_url):
    sora = sim_client(sim_profile_url("vllm-omni"))
    with pytest.raises(SoraError) as info:
        sora.create("A lantern")  # JSON: vLLM-Omni reads Form fields only
    assert (info.value.status, info.value.type, info.value.code) == (400, "Bad Request", "400")
    assert "'loc': ['body', 'prompt']" in info.value.message and "Field required" in info.value.message

    faults.inject("fail_job", code="internal_error")
    response = sora.call("POST", "/videos", files={"prompt": (None, b"A lantern", "text/plain")})
    created = Video.from_json(response.json())
    video = wait_terminal(sora, created.id)

    assert (video.status, video.http_status, video.error.code) == ("failed", 500, "500")
    assert video.error.message == "Video generation failed (simulated)."
    with pytest.raises(SoraError) as info:
        sora.download(created.id, io.BytesIO())
    assert (info.value.status, info.value.message) == (
        422,
        "Video generation failed. Check job status for error details.",
    )


@pytest.mark.django_db(transaction=True)
def test_sglang_and_relay_errors_read_clearly(sim_profile_url):
    sglang = sim_client(sim_profile_url("sglang"))
    with pytest.raises(SoraError) as info:
        sglang.retrieve("no-such-job")
    assert (info.value.status, info.value.message) == (404, "Video not found")
    with pytest.raises(SoraError) as info:
        sglang.delete("no-such-job")
    assert (info.value.status, info.value.message) == (404, "Video not found")

    relay = sim_client(sim_profile_url("relay"))
    with pytest.raises(SoraError) as info:
        relay.create("A kite", model="sora-2", size="1792x1024")
    assert (info.value.status, info.value.code, info.value.message) == (400, "invalid_size", "sora-2 size is invalid")
    with pytest.raises(SoraError) as info:
        relay.create("A kite", model="sora-2", seconds="7")
    assert info.value.code == "fail_to_fetch_task"
    assert info.value.message == "Invalid value: '7'. Supported values are: '4', '8', and '12'."
    with pytest.raises(SoraError) as info:
        relay.list_page()
    assert (info.value.status, info.value.message) == (404, "Invalid URL (GET /v1/videos)")


# ---------------------------------------------------------------------------------------------------------------
# Real servers: a local server that misbehaves
# ---------------------------------------------------------------------------------------------------------------
def test_a_base_url_answering_html(local_server):
    local_server.route("*", "", html(200))

    with pytest.raises(SoraError) as info:
        local_client(local_server).retrieve(VID)

    assert info.value.message == "the server answered HTML (status 200), not JSON: is the base URL right?"


def test_a_redirect_loop_ends_with_a_clear_error(local_server):
    local_server.route("GET", "", redirect_to_itself())
    sora = local_client(local_server)

    with pytest.raises(SoraError) as info:
        sora.retrieve(VID)

    assert info.value.message == f"GET /v1/videos/{VID}: too many redirects (more than 5); is the base URL right?"
    assert not info.value.retryable
    assert len(local_server.requests) == sora.calls == 6


def test_connection_refused_is_a_retryable_transport_error():
    sora = SoraClient(api_key=KEY, base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)

    with pytest.raises(SoraError) as info:
        sora.retrieve(VID)

    assert info.value.retryable and info.value.status is None
    assert info.value.message.startswith(f"GET /videos/{VID} failed: ConnectionError: ")


@pytest.mark.parametrize("announced", [None, 10 * 1024**3], ids=["streamed", "announced"])
def test_a_10_gb_thumbnail_is_refused_quickly_without_filling_memory(local_server, announced):
    local_server.route(
        "GET", "/content", endless(local_server, 200, "image/webp", b"RIFF\0\0\0\0WEBP", length=announced)
    )
    sink = ChunkSink()
    started = time.monotonic()

    with pytest.raises(SoraError) as info:
        local_client(local_server).download(VID, sink, variant="thumbnail")

    assert time.monotonic() - started < 20
    assert not info.value.retryable
    assert "more than the 20 MiB the studio accepts (SORA_MAX_IMAGE_BYTES)" in info.value.message
    assert sum(sink.writes) <= 20 * MIB


def test_a_download_that_trickles_forever_ends_at_its_deadline(local_server):
    local_server.route("GET", "/content", endless(local_server, 200, "video/mp4", pause=0.05, chunk=1024))
    started = time.monotonic()

    with pytest.raises(SoraError) as info:
        local_client(local_server).download(VID, ChunkSink(), chunk_size=1024, max_seconds=0.5)

    assert time.monotonic() - started < 10
    assert info.value.message.startswith("the video download took longer than 0.5 s (stopped after ")
    assert info.value.retryable


def test_an_endless_error_page_or_json_answer_is_read_only_up_to_a_cap(local_server):
    local_server.route("GET", "/videos/err", endless(local_server, 500, "text/html", b"<html>"))
    local_server.route("GET", "/videos/big", endless(local_server, 200, "application/json", b'{"id": "'))
    sora = local_client(local_server)
    started = time.monotonic()

    with pytest.raises(SoraError) as error_page:
        sora.retrieve("err")
    with pytest.raises(SoraError) as big:
        sora.retrieve("big")

    assert time.monotonic() - started < 30
    assert (error_page.value.status, error_page.value.message) == (500, "500 Internal Server Error")
    assert big.value.message == "the server's answer is larger than 16 MiB"


def test_requests_never_reads_a_whole_body_in_the_session(local_server):
    """Every call is sent with stream=True: nothing reads a body before the client's caps."""
    local_server.route("GET", "", answer(200, video_json()))
    sora = local_client(local_server)
    seen = []
    original = sora.session.request

    def spy(*args, **kwargs):
        seen.append(kwargs["stream"])
        return original(*args, **kwargs)

    sora.session.request = spy
    sora.retrieve(VID)
    sora.list_page()

    assert seen == [True, True]
