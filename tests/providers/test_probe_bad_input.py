"""The probe against servers that are not what they should be: each ends with a clear message, within bounded
memory and time, and nothing is stored on the provider. ``FakeVideos`` (a tiny threaded http.server speaking a
minimal /v1/videos) is also used by the budget tests."""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from decimal import Decimal

import pytest

from accounts.actors import Actor
from providers.models import Provider
from providers.probe import ProbeError, probe
from providers.services import provider_probe
from tests.providers.test_probe_profiles import (
    FAST,
    KEY,
    KEY_VARIABLE,
    SORA_MODELS,
    make_provider,
    table_of,
)
from tests.sora.test_client_tolerance import (  # noqa: F401  (local_server is a fixture)
    LocalServer,
    answer,
    endless,
    free_port,
    html,
    local_server,
    redirect_to_itself,
    send,
)

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


class FakeVideos:
    """A minimal /v1/videos server: it refuses a create without a prompt and takes every other one (even with
    values no real server takes); jobs are completed at once; content per variant as given."""

    def __init__(self, server: LocalServer, *, thumbnail=None) -> None:
        self.server = server
        self.created: list[str] = []
        server.route("GET", r"^/v1/videos/[^/?]+/content", self.content)
        server.route("GET", r"^/v1/videos/?(\?|$)", answer(200, {"object": "list", "data": [], "has_more": False}))
        server.route("GET", r"^/v1/videos/[^/?]+$", self.retrieve)
        server.route("POST", r"^/v1/videos$", self.create)
        server.route("DELETE", r"^/v1/videos/[^/?]+$", self.delete)
        server.route("*", "", answer(404, {"error": {"message": "No such route."}}))
        self.thumbnail = thumbnail or answer(200, body=WEBP, content_type="image/webp")

    @property
    def url(self) -> str:
        return f"{self.server.url}/v1"

    def video(self, video_id: str, status: str = "completed") -> dict:
        return {"id": video_id, "object": "video", "status": status, "progress": 100, "model": "sora-2",
                "size": "720x1280", "seconds": "4", "created_at": 1, "completed_at": 2}  # fmt: skip

    def create(self, handler) -> None:
        body = handler.body
        if handler.headers.get("content-type", "").startswith("application/json"):
            has_prompt = bool(json.loads(body or b"{}").get("prompt"))
        else:
            has_prompt = b'name="prompt"' in body
        if not has_prompt:
            send(handler, 400, json.dumps({"error": {"message": "Missing required parameter: 'prompt'.",
                                                     "param": "prompt"}}).encode(), "application/json")  # fmt: skip
            return
        video_id = f"video_fake{len(self.created) + 1:04d}"
        self.created.append(video_id)
        send(handler, 200, json.dumps(self.video(video_id, "queued")).encode(), "application/json")

    def retrieve(self, handler) -> None:
        video_id = handler.path.rsplit("/", 1)[-1]
        if video_id not in self.created:
            send(handler, 404, b'{"error": {"message": "not found"}}', "application/json")
            return
        send(handler, 200, json.dumps(self.video(video_id)).encode(), "application/json")

    def content(self, handler) -> None:
        variant = re.search(r"variant=(\w+)", handler.path)
        variant = variant.group(1) if variant else "video"
        if variant == "thumbnail":
            return self.thumbnail(handler)
        send(
            handler,
            200,
            JPEG if variant == "spritesheet" else MP4,
            "image/jpeg" if variant == "spritesheet" else "video/mp4",
        )

    def delete(self, handler) -> None:
        video_id = handler.path.rsplit("/", 1)[-1]
        send(handler, 200, json.dumps({"id": video_id, "object": "video.deleted", "deleted": True}).encode(),
             "application/json")  # fmt: skip


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)


def fake_provider(base_url: str) -> Provider:
    return make_provider("fake", base_url, SORA_MODELS)


def probe_error(provider: Provider, **options) -> str:
    with pytest.raises(ProbeError) as info:
        provider_probe(actor=Actor.system("test"), provider=provider, allow_spend=Decimal("5"), create_budget=3,
                       **FAST, **options)  # fmt: skip
    provider.refresh_from_db()
    assert (provider.profile, provider.probed_at) == ({}, None)  # nothing stored
    return info.value.message


def test_a_base_url_that_answers_html(key, local_server):
    local_server.route("*", "", html(200))
    provider = fake_provider(f"{local_server.url}/v1")

    message = probe_error(provider)

    assert message == (f"{local_server.url}/v1 answers HTML (status 200), not the /v1/videos API: is the base URL "
                       "right? It usually ends in /v1.")  # fmt: skip
    assert "<html" not in message.lower()


def test_a_base_url_that_answers_garbage(key, local_server):
    local_server.route("*", "", answer(200, body=b'{"id": "video_1", "sta', content_type="application/json"))

    message = probe_error(fake_provider(f"{local_server.url}/v1"))

    assert message == (f"{local_server.url}/v1 answers something that is not JSON (status 200), not the /v1/videos "
                       "API: is the base URL right? It usually ends in /v1.")  # fmt: skip


def test_a_base_url_without_the_api(key, local_server):
    local_server.route("*", "", answer(404, {"detail": "Not Found"}))

    message = probe_error(fake_provider(local_server.url))

    assert message == (f"Neither GET nor POST /videos is served at {local_server.url} (404, 404): is the base URL "
                       "right? It usually ends in /v1.")  # fmt: skip


def test_a_redirect_loop(key, local_server):
    local_server.route("*", "", redirect_to_itself())
    started = time.monotonic()

    message = probe_error(fake_provider(f"{local_server.url}/v1"))

    assert message == (f"Cannot reach {local_server.url}/v1: GET /v1/videos: too many redirects (more than 5); is "
                       "the base URL right?")  # fmt: skip
    assert len(local_server.requests) == 6 and time.monotonic() - started < 30


def test_connection_refused(key):
    base_url = f"http://127.0.0.1:{free_port()}/v1"

    message = probe_error(fake_provider(base_url))

    assert message.startswith(f"Cannot reach {base_url}: GET /videos failed: ConnectionError: ")
    assert "Connection refused" in message


def test_a_refused_key(key, local_server):
    local_server.route("*", "", answer(401, {"error": {"message": f"Incorrect API key provided: {KEY}."}}))

    message = probe_error(fake_provider(f"{local_server.url}/v1"))

    assert message == f"{local_server.url}/v1 refused the key (401): Incorrect API key provided: [redacted]."
    assert KEY not in message


def test_a_missing_key_and_a_metadata_address_are_refused_before_any_request(monkeypatch, local_server):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    provider = fake_provider(f"{local_server.url}/v1")
    assert probe_error(provider) == (f"The provider {provider.name} needs its key in the environment variable "
                                     f"{KEY_VARIABLE}, which is empty on this server.")  # fmt: skip

    monkeypatch.setenv(KEY_VARIABLE, KEY)
    Provider.objects.filter(pk=provider.pk).update(base_url="http://169.254.169.254/v1")
    provider.refresh_from_db()
    assert "link-local" in probe_error(provider) or "metadata" in probe_error(provider)
    assert local_server.requests == []


@pytest.mark.parametrize("announced", [None, 10 * 1024**3], ids=["streamed", "announced"])
def test_a_10_gb_thumbnail_is_refused_in_bounded_memory_and_time(key, local_server, announced):
    """The thumbnail never ends (or announces 10 GB): the variant is ✖ with the cap named, the probe goes on."""
    fake = FakeVideos(local_server, thumbnail=endless(local_server, 200, "image/webp", WEBP, length=announced))
    provider = fake_provider(fake.url)
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = probe(provider, allow_spend=Decimal("5"), create_budget=1, **FAST)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert time.monotonic() - started < 60
    assert peak < 64 * 1024 * 1024
    table = table_of(result)
    size = "10 GiB" if announced else "larger"
    assert table["content: thumbnail"] == (
        "✖",
        f"the thumbnail is {size}, more than the 20 MiB the studio accepts (SORA_MAX_IMAGE_BYTES)",
    )
    assert table["content: video"][0] == table["content: spritesheet"][0] == "✔"
    assert table["content: spritesheet"][1].startswith("JPEG, 104 bytes")
