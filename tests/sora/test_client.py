"""SoraClient against the contract, at one seam: a recording fake transport mounted on the client's Session.

The fake is a ``requests.adapters.BaseAdapter``: everything above it is the real ``requests`` code (JSON encoding,
multipart bodies and boundaries, query strings, timeouts handed to the adapter), so the tests see the bytes that
would go over the wire. Nothing leaves the process and nothing sleeps: ``client.sleep`` records the delays.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import io
import json
import logging
import os
import time
from http.client import RemoteDisconnected
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from videos.sora.client import SoraClient
from videos.sora.errors import SoraError
from videos.sora.types import DeletedVideo, Download, ImageUpload, Video, VideoPage

KEY = "sk-test-7d3f0a9b2c4e6f81"
BASE = "https://sora.example/v1"
VID = "video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5"
TIMEOUT = (3.0, 20.0)


# ---------------------------------------------------------------------------------------------------------------
# The seam
# ---------------------------------------------------------------------------------------------------------------
class FakeRaw:
    """A response body that urllib3-style ``stream()`` hands out piece by piece, and can break half-way."""

    def __init__(self, body: bytes, *, break_after: int | None = None) -> None:
        self.body = body
        self.position = 0
        self.break_after = break_after
        self.closed = False

    def stream(self, amt: int = 65536, decode_content: bool | None = None):
        while self.position < len(self.body):
            if self.break_after is not None and self.position >= self.break_after:
                raise ProtocolError("Connection broken: IncompleteRead")
            piece = self.body[self.position : self.position + amt]
            self.position += len(piece)
            yield piece

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        self.released = True

    released = False

    @property
    def let_go(self) -> bool:
        """Closed, or handed back to the pool (``Response.close()`` does either)."""
        return self.closed or self.released


class FakeResponse(requests.Response):
    """Counts reads of ``.content`` (a download must never load the whole body)."""

    content_reads = 0

    @property
    def content(self):  # type: ignore[override]
        self.content_reads += 1
        return requests.Response.content.fget(self)


class Call:
    """One request that reached the transport."""

    def __init__(self, request: requests.PreparedRequest, *, stream: bool, timeout: object) -> None:
        self.request = request
        self.stream = stream
        self.timeout = timeout
        self.method = request.method
        self.url = request.url
        self.headers = request.headers
        self.body = request.body.encode() if isinstance(request.body, str) else request.body

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def json(self):
        assert self.headers["Content-Type"] == "application/json"
        return json.loads(self.body)

    def multipart(self) -> dict[str, email.message.EmailMessage]:
        content_type = self.headers["Content-Type"]
        message = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + self.body, policy=email.policy.HTTP
        )
        assert message.is_multipart()
        return {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}


class FakeTransport(BaseAdapter):
    """Answers from a queue of canned replies (or raises queued exceptions) and records every request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.queue: list[object] = []
        self.responses: list[FakeResponse] = []

    def reply(self, status: int = 200, payload: object = None, *, body: bytes | None = None, headers=None, **kw):
        if body is None:
            body = b"" if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "x-request-id": "req_1", **(headers or {})}
        self.queue.append((status, body, headers, kw))

    def fail(self, exc: BaseException) -> None:
        self.queue.append(exc)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.calls.append(Call(request, stream=stream, timeout=timeout))
        if not self.queue:
            raise AssertionError(f"unexpected request: {request.method} {request.url}")
        item = self.queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        status, body, headers, kw = item
        response = FakeResponse()
        response.status_code = status
        response.reason = {200: "OK", 302: "Found", 502: "Bad Gateway"}.get(status, "Error")
        response.headers = CaseInsensitiveDict(headers)
        response.raw = FakeRaw(body, break_after=kw.get("break_after"))
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        response.connection = self
        self.responses.append(response)
        return response

    def close(self) -> None:
        pass


def video_json(**fields) -> dict:
    data = {
        "id": VID,
        "object": "video",
        "model": "sora-2",
        "status": "queued",
        "progress": 0,
        "created_at": 1758941485,
        "completed_at": None,
        "expires_at": None,
        "prompt": "a fox in the snow",
        "size": "720x1280",
        "seconds": "4",
        "remixed_from_video_id": None,
        "error": None,
        "quality": "standard",  # not in the schema: must be ignored
    }
    data.update(fields)
    return data


def envelope(message: str, type: str = "invalid_request_error", param=None, code=None) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


# Transport failures, built the way requests.adapters.HTTPAdapter builds them from urllib3's.
def connection_refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/v1/videos", reason))


def connect_timeout() -> requests.ConnectTimeout:
    reason = ConnectTimeoutError(None, "Connection to sora.example timed out. (connect timeout=3.0)")
    return requests.ConnectTimeout(MaxRetryError(None, "/v1/videos", reason))


def read_timeout() -> requests.ReadTimeout:
    return requests.ReadTimeout(ReadTimeoutError(None, "/v1/videos", "Read timed out. (read timeout=20.0)"))


def dropped_after_sending() -> requests.ConnectionError:
    reason = RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(ProtocolError("Connection aborted.", reason))


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def mount(client: SoraClient, transport: FakeTransport, sleeps: list[float]) -> SoraClient:
    client.session.mount("https://", transport)
    client.session.mount("http://", transport)
    client.sleep = sleeps.append
    client.random = lambda: 0.0
    return client


@pytest.fixture
def client(transport, sleeps) -> SoraClient:
    return mount(SoraClient(api_key=KEY, base_url=BASE, timeout=TIMEOUT, max_retries=2), transport, sleeps)


def assert_common_headers(call: Call, accept: str = "application/json") -> None:
    assert call.headers["Authorization"] == f"Bearer {KEY}"
    assert call.headers["Accept"] == accept
    assert call.timeout == TIMEOUT


# ---------------------------------------------------------------------------------------------------------------
# create
# ---------------------------------------------------------------------------------------------------------------
def test_create_posts_json_with_seconds_as_a_string(client, transport):
    transport.reply(200, video_json(model="sora-2-pro", size="1792x1024", seconds="8"))

    video = client.create("a fox in the snow", model="sora-2-pro", size="1792x1024", seconds=8)

    (call,) = transport.calls
    assert call.method == "POST"
    assert call.url == f"{BASE}/videos"
    assert_common_headers(call)
    assert call.json() == {"prompt": "a fox in the snow", "model": "sora-2-pro", "size": "1792x1024", "seconds": "8"}
    assert isinstance(video, Video)
    assert (video.id, video.status, video.seconds, video.size) == (VID, "queued", "8", "1792x1024")


def test_create_sends_only_the_fields_given(client, transport):
    transport.reply(200, video_json())

    client.create("a fox")

    assert transport.calls[0].json() == {"prompt": "a fox"}


def test_create_sends_a_json_input_reference_object(client, transport):
    transport.reply(200, video_json())

    client.create("a fox", input_reference={"image_url": "https://img.example/fox.png"})

    reference = {"image_url": "https://img.example/fox.png"}
    assert transport.calls[0].json() == {"prompt": "a fox", "input_reference": reference}


def test_create_sends_multipart_with_an_input_reference_image(client, transport):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    transport.reply(200, video_json())

    client.create("a fox", model="sora-2", size="1280x720", seconds="4", input_reference=ImageUpload("fox.png", png))

    (call,) = transport.calls
    assert call.method == "POST"
    assert call.url == f"{BASE}/videos"
    assert_common_headers(call)
    content_type = call.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1]
    assert call.body.startswith(b"--" + boundary.encode())
    parts = call.multipart()
    assert set(parts) == {"prompt", "model", "size", "seconds", "input_reference"}
    assert parts["prompt"].get_content().strip() == "a fox"
    assert parts["seconds"].get_content().strip() == "4"
    assert parts["size"].get_content().strip() == "1280x720"
    image = parts["input_reference"]
    assert image.get_filename() == "fox.png"
    assert image.get_content_type() == "image/png"
    assert image.get_payload(decode=True) == png


def test_create_resends_the_same_image_bytes_on_a_retry(client, transport, sleeps):
    image = ImageUpload("fox.webp", io.BytesIO(b"RIFF....WEBPVP8 fox"))  # a file object, read once
    transport.reply(503, envelope("overloaded", type="server_error"))
    transport.reply(200, video_json())

    client.create("a fox", input_reference=image)

    first, second = (call.multipart()["input_reference"] for call in transport.calls)
    assert first.get_payload(decode=True) == second.get_payload(decode=True) == b"RIFF....WEBPVP8 fox"
    assert second.get_content_type() == "image/webp"
    assert len(sleeps) == 1


# ---------------------------------------------------------------------------------------------------------------
# retrieve, list, delete, remix
# ---------------------------------------------------------------------------------------------------------------
def test_retrieve_parses_a_typed_video_and_ignores_unknown_keys(client, transport):
    payload = video_json(
        status="failed",
        progress=100,
        completed_at=1758941600,
        error={"code": "moderation_blocked", "message": "no", "misalignment": {"x": 1}},
        brand_new_field={"nested": True},
    )
    transport.reply(200, payload, headers={"openai-poll-after-ms": "1500", "x-request-id": "req_abc"})

    video = client.retrieve(VID)

    (call,) = transport.calls
    assert (call.method, call.url, call.body) == ("GET", f"{BASE}/videos/{VID}", None)
    assert "Content-Type" not in call.headers
    assert_common_headers(call)
    assert video.is_failed and video.is_terminal and not video.is_pending
    assert video.error is not None and (video.error.code, video.error.message) == ("moderation_blocked", "no")
    assert (video.progress, video.completed_at, video.created_at) == (100, 1758941600, 1758941485)
    assert (video.poll_after_ms, video.request_id) == (1500, "req_abc")
    assert not hasattr(video, "quality")


def test_retrieve_keeps_the_id_in_one_path_segment(client, transport):
    transport.reply(200, video_json())

    client.retrieve("../admin?x=1")

    assert transport.calls[0].url == f"{BASE}/videos/..%2Fadmin%3Fx%3D1"


def test_a_2xx_without_a_video_raises(client, transport):
    transport.reply(200, {"object": "video"})  # no id

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert info.value.status == 200
    assert not info.value.retryable


def test_list_page_sends_its_query_params(client, transport):
    transport.reply(200, {"object": "list", "data": [video_json()], "first_id": VID, "last_id": VID, "has_more": False})

    page = client.list_page(after="video_a", limit=10, order="asc")

    (call,) = transport.calls
    assert (call.method, call.path) == ("GET", "/v1/videos")
    assert call.query == {"after": ["video_a"], "limit": ["10"], "order": ["asc"]}
    assert_common_headers(call)
    assert isinstance(page, VideoPage)
    assert [video.id for video in page.data] == [VID]
    assert page.has_more is False


def test_list_follows_after_while_has_more(client, transport):
    pages = [["video_1", "video_2"], ["video_3", "video_4"], ["video_5"]]
    for number, ids in enumerate(pages):
        transport.reply(
            200,
            {
                "object": "list",
                "data": [video_json(id=i) for i in ids],
                "first_id": ids[0],
                "last_id": ids[-1],
                "has_more": number < len(pages) - 1,
            },
        )

    ids = [video.id for video in client.list(limit=2, order="desc")]

    assert ids == ["video_1", "video_2", "video_3", "video_4", "video_5"]
    assert [call.query for call in transport.calls] == [
        {"limit": ["2"], "order": ["desc"]},
        {"after": ["video_2"], "limit": ["2"], "order": ["desc"]},
        {"after": ["video_4"], "limit": ["2"], "order": ["desc"]},
    ]


def test_list_stops_when_a_server_repeats_a_cursor(client, transport):
    page = {"object": "list", "data": [video_json(id="video_1")], "first_id": "video_1", "last_id": "video_1"}
    for _ in range(2):
        transport.reply(200, {**page, "has_more": True})

    assert [video.id for video in client.list()] == ["video_1", "video_1"]
    assert len(transport.calls) == 2


def test_delete_sends_delete_and_parses_the_answer(client, transport):
    transport.reply(200, {"id": VID, "object": "video.deleted", "deleted": True, "extra": 1})

    deleted = client.delete(VID)

    (call,) = transport.calls
    assert (call.method, call.url) == ("DELETE", f"{BASE}/videos/{VID}")
    assert_common_headers(call)
    assert deleted == DeletedVideo(id=VID, deleted=True, object="video.deleted", request_id="req_1")


def test_remix_posts_the_prompt_as_json(client, transport):
    transport.reply(200, video_json(id="video_child", remixed_from_video_id=VID))

    video = client.remix(VID, "now at night")

    (call,) = transport.calls
    assert (call.method, call.url) == ("POST", f"{BASE}/videos/{VID}/remix")
    assert_common_headers(call)
    assert call.json() == {"prompt": "now at night"}
    assert (video.id, video.remixed_from_video_id) == ("video_child", VID)


# ---------------------------------------------------------------------------------------------------------------
# download
# ---------------------------------------------------------------------------------------------------------------
class ChunkSink:
    def __init__(self) -> None:
        self.writes: list[int] = []
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        self.writes.append(len(data))
        return self.buffer.write(data)


@pytest.mark.parametrize(
    ("variant", "content_type"),
    [("video", "video/mp4"), ("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")],
)
def test_download_streams_each_variant_in_chunks(client, transport, variant, content_type):
    body = os.urandom(64 * 1024 + 123)
    transport.reply(200, body=body, headers={"Content-Type": content_type, "Content-Length": str(len(body))})
    sink = ChunkSink()

    result = client.download(VID, sink, variant=variant, chunk_size=16 * 1024)

    (call,) = transport.calls
    assert (call.method, call.path, call.query) == ("GET", f"/v1/videos/{VID}/content", {"variant": [variant]})
    assert_common_headers(call, accept="application/binary")
    assert call.stream is True
    assert len(sink.writes) == 5 and max(sink.writes) <= 16 * 1024
    assert sink.buffer.getvalue() == body
    (response,) = transport.responses
    assert response.content_reads == 0
    assert response.raw.let_go
    assert result == Download(
        variant=variant,
        bytes=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        content_type=content_type,
        request_id="req_1",
    )


def test_download_uses_megabyte_chunks_by_default(client, transport):
    body = b"\0" * (2 * 1024 * 1024 + 1)
    transport.reply(200, body=body, headers={"Content-Type": "video/mp4"})
    sink = ChunkSink()

    client.download(VID, sink)

    assert sink.writes == [1024 * 1024, 1024 * 1024, 1]
    assert transport.calls[0].query == {"variant": ["video"]}
    assert transport.responses[0].content_reads == 0


def test_download_rejects_an_unknown_variant_without_a_request(client, transport):
    with pytest.raises(ValueError):
        client.download(VID, ChunkSink(), variant="poster")

    assert transport.calls == []


def test_download_broken_mid_stream_is_retryable(client, transport):
    transport.reply(200, body=b"x" * 4096, headers={"Content-Type": "video/mp4"}, break_after=2048)
    sink = ChunkSink()

    with pytest.raises(SoraError) as info:
        client.download(VID, sink, chunk_size=1024)

    assert info.value.retryable
    assert sum(sink.writes) == 2048
    assert transport.responses[0].raw.let_go
    assert len(transport.calls) == 1


def test_download_shorter_than_content_length_is_retryable(client, transport):
    """A cut download whose server cannot answer ranges (it sends the whole file again): a retryable error, for a
    fresh start by the caller."""
    transport.reply(200, body=b"x" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "20"})
    transport.reply(200, body=b"x" * 20, headers={"Content-Type": "video/mp4", "Content-Length": "20"})

    with pytest.raises(SoraError, match="truncated") as info:
        client.download(VID, ChunkSink())

    assert info.value.retryable
    assert transport.calls[1].headers["Range"] == "bytes=10-"


def test_a_cut_download_is_resumed_with_a_range_in_the_same_call(client, transport):
    transport.reply(200, body=b"x" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "20"})
    transport.reply(206, body=b"y" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "10",
                                                  "Content-Range": "bytes 10-19/20"})  # fmt: skip
    sink = ChunkSink()

    result = client.download(VID, sink)

    assert sink.buffer.getvalue() == b"x" * 10 + b"y" * 10
    assert (result.bytes, result.sha256) == (20, hashlib.sha256(b"x" * 10 + b"y" * 10).hexdigest())
    assert [call.headers.get("Range") for call in transport.calls] == [None, "bytes=10-"]


def test_a_resumed_part_that_starts_elsewhere_is_not_spliced_in(client, transport):
    transport.reply(200, body=b"x" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "20"})
    transport.reply(206, body=b"y" * 15, headers={"Content-Type": "video/mp4", "Content-Length": "15",
                                                  "Content-Range": "bytes 5-19/20"})  # fmt: skip
    sink = ChunkSink()

    with pytest.raises(SoraError, match="truncated"):
        client.download(VID, sink)
    assert sink.buffer.getvalue() == b"x" * 10  # nothing of the wrong part written


def test_download_not_ready_maps_the_404_without_loading_the_body(client, transport):
    transport.reply(404, envelope("Video is not ready yet, use GET /v1/videos/{id} to check status."))

    with pytest.raises(SoraError) as info:
        client.download(VID, ChunkSink())

    assert (info.value.status, info.value.retryable) == (404, False)
    assert info.value.message.startswith("Video is not ready yet")
    assert transport.responses[0].content_reads == 0
    assert transport.responses[0].raw.let_go


def test_download_follows_a_redirect_on_the_same_origin(client, transport):
    transport.reply(302, body=b"", headers={"Location": "/v1/files/abc?sig=1"})
    transport.reply(200, body=b"mp4", headers={"Content-Type": "video/mp4"})
    sink = ChunkSink()

    client.download(VID, sink)

    assert transport.calls[1].url == "https://sora.example/v1/files/abc?sig=1"
    assert sink.buffer.getvalue() == b"mp4"


def test_download_follows_an_https_redirect_to_a_cdn_without_the_key(client, transport):
    transport.reply(302, body=b"", headers={"Location": "https://cdn.example/v/abc.mp4?sig=1"})
    transport.reply(200, body=b"mp4", headers={"Content-Type": "video/mp4"})
    sink = ChunkSink()

    client.download(VID, sink)

    assert transport.calls[1].url == "https://cdn.example/v/abc.mp4?sig=1"
    assert "Authorization" not in transport.calls[1].headers
    assert sink.buffer.getvalue() == b"mp4"


def test_a_json_call_refuses_a_redirect_to_another_host(client, transport):
    transport.reply(302, body=b"", headers={"Location": "https://elsewhere.example/v1/videos/x"})

    with pytest.raises(SoraError, match="another host"):
        client.retrieve(VID)

    assert len(transport.calls) == 1


def test_download_refuses_a_plain_http_redirect_to_another_host(client, transport):
    transport.reply(302, body=b"", headers={"Location": "http://169.254.169.254/latest/meta-data"})

    with pytest.raises(SoraError, match="another host") as info:
        client.download(VID, ChunkSink())

    assert not info.value.retryable
    assert len(transport.calls) == 1


# ---------------------------------------------------------------------------------------------------------------
# Session and timeouts
# ---------------------------------------------------------------------------------------------------------------
CALLS = {
    "create": lambda c: c.create("a fox"),
    "create_multipart": lambda c: c.create("a fox", input_reference=ImageUpload("a.png", b"png")),
    "retrieve": lambda c: c.retrieve(VID),
    "list_page": lambda c: c.list_page(),
    "list": lambda c: list(c.list()),
    "delete": lambda c: c.delete(VID),
    "remix": lambda c: c.remix(VID, "again"),
    "download": lambda c: c.download(VID, io.BytesIO()),
}
REPLIES = {
    "list_page": {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False},
    "list": {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False},
    "delete": {"id": VID, "object": "video.deleted", "deleted": True},
}


@pytest.mark.parametrize("name", list(CALLS))
def test_every_call_goes_through_the_session_with_connect_and_read_timeouts(client, transport, name):
    assert isinstance(client.session, requests.Session)
    transport.reply(200, REPLIES.get(name, video_json()))

    CALLS[name](client)

    (call,) = transport.calls
    assert call.timeout == TIMEOUT
    assert call.headers["Authorization"] == f"Bearer {KEY}"


def test_the_default_timeout_has_both_parts(transport, sleeps):
    client = mount(SoraClient(api_key=KEY, base_url=BASE), transport, sleeps)
    transport.reply(200, video_json())

    client.retrieve(VID)

    connect, read = transport.calls[0].timeout
    assert 0 < connect <= 10 and 0 < read <= 120


# ---------------------------------------------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(client, transport, sleeps, status):
    transport.reply(status, envelope("try again", type="server_error"))
    transport.reply(200, video_json())

    assert client.retrieve(VID).id == VID

    assert len(transport.calls) == 2
    assert sleeps == [0.5]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_not_retried(client, transport, sleeps, status):
    transport.reply(status, envelope("no"))

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert (info.value.status, info.value.retryable) == (status, False)
    assert len(transport.calls) == 1
    assert sleeps == []


def test_attempts_are_finite(client, transport, sleeps):
    for _ in range(3):
        transport.reply(503, envelope("overloaded", type="server_error"))

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert (info.value.status, info.value.retryable) == (503, True)
    assert len(transport.calls) == 3  # max_retries=2
    assert sleeps == [0.5, 1.0]
    assert [call.headers["Authorization"] for call in transport.calls] == [f"Bearer {KEY}"] * 3


def test_backoff_is_exponential_capped_at_8_seconds_with_up_to_25_percent_jitter(client, transport, sleeps):
    client.max_retries = 7
    for _ in range(8):
        transport.reply(500, envelope("boom", type="server_error"))

    with pytest.raises(SoraError):
        client.retrieve(VID)
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]

    sleeps.clear()
    client.random = lambda: 1.0
    for _ in range(8):
        transport.reply(500, envelope("boom", type="server_error"))
    with pytest.raises(SoraError):
        client.retrieve(VID)
    assert sleeps == [0.375, 0.75, 1.5, 3.0, 6.0, 6.0, 6.0]


def test_retry_after_ms_is_honoured_before_retry_after(client, transport, sleeps):
    transport.reply(429, envelope("slow down", type="requests"), headers={"retry-after-ms": "50", "retry-after": "7"})
    transport.reply(200, video_json())

    client.retrieve(VID)

    assert sleeps == [0.05]


def test_retry_after_in_seconds_is_honoured(client, transport, sleeps):
    transport.reply(429, envelope("slow down", type="requests"), headers={"retry-after": "3"})
    transport.reply(200, video_json())

    client.retrieve(VID)

    assert sleeps == [3.0]


def test_retry_after_as_an_http_date_is_honoured(client, transport, sleeps):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    transport.reply(503, envelope("later", type="server_error"), headers={"retry-after": when})
    transport.reply(200, video_json())

    client.retrieve(VID)

    (delay,) = sleeps
    assert 27 <= delay <= 30


def test_a_zero_or_bad_hint_falls_back_to_backoff(client, transport, sleeps):
    transport.reply(429, envelope("slow down"), headers={"retry-after-ms": "0"})
    transport.reply(429, envelope("slow down"), headers={"retry-after": "soon"})
    transport.reply(200, video_json())

    client.retrieve(VID)

    assert sleeps == [0.5, 1.0]


def test_a_hint_over_120_seconds_means_no_retry(client, transport, sleeps):
    transport.reply(429, envelope("quota", type="requests", code="rate_limit_exceeded"), headers={"retry-after": "121"})

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert (info.value.retryable, info.value.retry_after) == (True, 121.0)
    assert len(transport.calls) == 1
    assert sleeps == []


def test_x_should_retry_overrides_the_status(client, transport, sleeps):
    transport.reply(500, envelope("do not"), headers={"x-should-retry": "false"})
    with pytest.raises(SoraError) as info:
        client.retrieve(VID)
    assert not info.value.retryable
    assert len(transport.calls) == 1

    transport.reply(400, envelope("do"), headers={"x-should-retry": "true"})
    transport.reply(200, video_json())
    client.retrieve(VID)
    assert len(transport.calls) == 3


@pytest.mark.parametrize("failure", [connection_refused, connect_timeout, read_timeout, dropped_after_sending])
def test_reads_are_retried_after_any_transport_failure(client, transport, sleeps, failure):
    transport.fail(failure())
    transport.reply(200, video_json())

    assert client.retrieve(VID).id == VID
    assert len(transport.calls) == 2
    assert sleeps == [0.5]


def test_transport_failures_give_up_after_the_last_attempt(client, transport, sleeps):
    for _ in range(3):
        transport.fail(read_timeout())

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert (info.value.retryable, info.value.maybe_created, info.value.status) == (True, False, None)
    assert len(transport.calls) == 3
    assert len(sleeps) == 2


CREATING = {"create": lambda c: c.create("a fox"), "remix": lambda c: c.remix(VID, "again")}


@pytest.mark.parametrize("name", list(CREATING))
@pytest.mark.parametrize("failure", [read_timeout, dropped_after_sending])
def test_create_and_remix_are_not_retried_once_the_request_may_have_arrived(client, transport, sleeps, name, failure):
    transport.fail(failure())

    with pytest.raises(SoraError) as info:
        CREATING[name](client)

    assert (info.value.retryable, info.value.maybe_created) == (True, True)
    assert len(transport.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("name", list(CREATING))
@pytest.mark.parametrize("failure", [connection_refused, connect_timeout])
def test_create_and_remix_are_retried_after_a_connect_error(client, transport, sleeps, name, failure):
    transport.fail(failure())
    transport.reply(200, video_json())

    video = CREATING[name](client)

    assert video.id == VID
    assert len(transport.calls) == 2
    assert transport.calls[0].body == transport.calls[1].body
    assert sleeps == [0.5]


def test_create_is_retried_after_an_error_response(client, transport, sleeps):
    transport.reply(429, envelope("slow down", type="requests"), headers={"retry-after-ms": "10"})
    transport.reply(200, video_json())

    client.create("a fox")

    assert len(transport.calls) == 2
    assert sleeps == [0.01]


@pytest.mark.parametrize("name", list(CREATING))
@pytest.mark.parametrize("status", [500, 502, 504])
def test_create_and_remix_are_not_retried_after_a_server_error_that_may_have_made_the_job(
    client, transport, sleeps, name, status
):
    transport.reply(status, envelope("internal error", type="server_error"))

    with pytest.raises(SoraError) as info:
        CREATING[name](client)

    assert (info.value.status, info.value.retryable, info.value.maybe_created) == (status, True, True)
    assert len(transport.calls) == 1 and sleeps == []


@pytest.mark.parametrize("status", [408, 429, 503])
def test_create_is_retried_after_answers_that_say_nothing_was_processed(client, transport, sleeps, status):
    transport.reply(status, envelope("busy", type="server_error"))
    transport.reply(200, video_json())

    client.create("a fox")

    assert len(transport.calls) == 2


def test_reads_are_retried_after_a_500(client, transport, sleeps):
    transport.reply(500, envelope("internal error", type="server_error"))
    transport.reply(200, video_json())

    assert client.retrieve(VID).id == VID
    assert len(transport.calls) == 2


def test_an_unreadable_answer_to_create_may_have_created_a_job(client, transport):
    transport.reply(200, body=b"<html>oops</html>", headers={"Content-Type": "text/html"})

    with pytest.raises(SoraError) as info:
        client.create("a fox")

    assert (info.value.maybe_created, info.value.retryable) == (True, False)


# ---------------------------------------------------------------------------------------------------------------
# Error mapping
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "type_", "param", "code", "retryable"),
    [
        (400, "invalid_request_error", "seconds", "invalid_value", False),
        (401, "invalid_request_error", None, "invalid_api_key", False),
        (404, "invalid_request_error", None, None, False),
        (429, "requests", None, "rate_limit_exceeded", True),
        (500, "server_error", None, None, True),
    ],
)
def test_error_envelopes_map_onto_sora_error(client, transport, status, type_, param, code, retryable):
    client.max_retries = 0
    payload = envelope("It went wrong.", type=type_, param=param, code=code)
    transport.reply(status, payload, headers={"x-request-id": "req_9"})

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    error = info.value
    assert (error.status, error.type, error.param, error.code) == (status, type_, param, code)
    assert (error.message, error.retryable, error.request_id) == ("It went wrong.", retryable, "req_9")
    assert error.maybe_created is False
    assert str(error) == f"HTTP {status}: It went wrong. (request id req_9)"


def test_an_error_without_an_envelope_uses_the_status_line(client, transport):
    client.max_retries = 0
    transport.reply(502, body=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"})

    with pytest.raises(SoraError) as info:
        client.retrieve(VID)

    assert (info.value.status, info.value.message, info.value.type, info.value.retryable) == (
        502,
        "502 Bad Gateway",
        None,
        True,
    )


# ---------------------------------------------------------------------------------------------------------------
# The API key stays secret
# ---------------------------------------------------------------------------------------------------------------
def test_the_key_appears_in_no_exception_repr_or_log_line(client, transport, caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[SoraError] = []

    transport.reply(200, video_json())
    client.retrieve(VID)  # a debug line
    transport.reply(429, envelope("slow down"), headers={"retry-after-ms": "1"})
    transport.reply(200, video_json())
    client.retrieve(VID)  # a warning and a retry line
    # A server echoing the key in every field of its envelope.
    transport.reply(401, envelope(f"Incorrect API key provided: {KEY}", type=KEY, param=KEY, code=KEY))
    transport.fail(requests.ReadTimeout(f"read timed out for Bearer {KEY}"))
    transport.reply(502, body=f"proxy saw {KEY}".encode(), headers={"Content-Type": "text/plain"})
    transport.reply(502, body=b"", headers={"Content-Type": "text/plain"})
    transport.reply(502, body=b"", headers={"Content-Type": "text/plain"})
    calls = (lambda: client.retrieve(VID), lambda: client.create("a fox"), lambda: client.download(VID, io.BytesIO()))
    for call in calls:
        with pytest.raises(SoraError) as info:
            call()
        errors.append(info.value)

    assert len(errors) == 3 and errors[0].status == 401
    assert "[redacted]" in errors[0].message
    for error in errors:
        assert KEY not in str(error)
        assert KEY not in repr(error)
        assert KEY not in " ".join(str(value) for value in vars(error).values())
        # No chained requests exception (its .request carries the Authorization header) reaches error reports.
        assert error.__context__ is None and error.__cause__ is None
    assert KEY not in repr(client)
    assert caplog.records, "the client logs its calls"
    for record in caplog.records:
        assert KEY not in record.getMessage()
    assert KEY not in caplog.text


def test_a_key_with_whitespace_inside_is_refused_without_quoting_it():
    with pytest.raises(ValueError) as info:
        SoraClient(api_key="sk-abc\r\nX-Evil: 1", base_url=BASE)

    assert "sk-abc" not in str(info.value)


def test_a_key_with_a_trailing_newline_is_trimmed(transport, sleeps):
    client = mount(SoraClient(api_key=KEY + "\n", base_url=BASE), transport, sleeps)
    transport.reply(200, video_json())

    client.retrieve(VID)

    assert transport.calls[0].headers["Authorization"] == f"Bearer {KEY}"
