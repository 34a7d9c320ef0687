"""The official ``openai`` SDK (3.54.0) against the simulator over real HTTP: the simulator speaks the contract."""

from __future__ import annotations

import base64
import io
import json
import time

import av
import openai
import pytest
from openai import OpenAI
from openai.types import Video
from PIL import Image

from tests.sora.helpers import WebhookReceiver
from videos.sora.catalog import (
    SPRITESHEET_COLUMNS,
    SPRITESHEET_ROWS,
    SPRITESHEET_TILE_WIDTH,
)
from videos.sora.simulator import faults, jobs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Every videos.* method is @deprecated (the real API shut down on 2026-09-24): expected here.
    pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning"),
]

SECRET = "whsec_" + base64.b64encode(b"sdk-contract-test-secret-0123456").decode()


@pytest.fixture
def sdk(live_server):
    client = OpenAI(api_key="sk-sdk-test", base_url=f"{live_server.url}/sim/v1", max_retries=0, timeout=30)
    yield client
    client.close()


def finished(sdk: OpenAI, **params) -> Video:
    params.setdefault("prompt", "A glass of water on a sunny windowsill")
    video = sdk.videos.create_and_poll(**params)
    assert video.status == "completed", video.error
    return video


def test_create_and_poll_then_download_every_variant(sdk, tmp_path):
    created = sdk.videos.create(prompt="A snail crosses a mossy log", size="720x1280", seconds="4")
    assert (created.object, created.status, created.progress, created.seconds) == ("video", "queued", 0, "4")
    assert created.id.startswith("video_") and len(created.id) == 54
    video = sdk.videos.poll(created.id)
    assert video.status == "completed" and video.progress == 100
    assert video.expires_at == video.completed_at + 3600

    content = sdk.videos.download_content(video.id)
    target = tmp_path / "clip.mp4"
    content.write_to_file(target)
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (720, 1280)
        assert abs(container.duration / 1_000_000 - 4) < 0.3
        assert len(container.streams.audio) == 1
    assert content.response.headers["content-type"] == "video/mp4"
    assert int(content.response.headers["content-length"]) == target.stat().st_size

    thumb = sdk.videos.download_content(video.id, variant="thumbnail")
    assert thumb.response.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.read())).format == "WEBP"
    sheet = sdk.videos.download_content(video.id, variant="spritesheet")
    assert sheet.response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(sheet.content))
    assert image.format == "JPEG"
    assert image.size == (SPRITESHEET_TILE_WIDTH * SPRITESHEET_COLUMNS, round(1280 * 160 / 720) * SPRITESHEET_ROWS)


def test_the_sdk_polls_at_the_servers_hint(sdk, settings, monkeypatch):
    settings.SIM_RENDER_SECONDS = 1.0  # the hint is a tenth of it: 100 ms (the SDK's own default is 1 s)
    pauses = []
    monkeypatch.setattr(sdk.videos, "_sleep", lambda seconds: (pauses.append(seconds), time.sleep(seconds)))

    video = finished(sdk, seconds="4")

    assert pauses and set(pauses) == {0.1}
    assert video.completed_at >= video.created_at


def test_remix_inherits_and_points_at_its_source(sdk):
    source = finished(sdk, model="sora-2-pro", size="1280x720", seconds="4", prompt="A red balloon in a grey city")
    remix = sdk.videos.remix(source.id, prompt="The same balloon, now blue")
    assert remix.remixed_from_video_id == source.id
    assert (remix.model, remix.size, remix.seconds, remix.status) == ("sora-2-pro", "1280x720", "4", "queued")
    done = sdk.videos.poll(remix.id)
    assert done.status == "completed" and done.remixed_from_video_id == source.id


def test_list_auto_paginates_over_every_job(sdk):
    ids = [sdk.videos.create(prompt=f"shot {n}").id for n in range(5)]
    first_page = sdk.videos.list(limit=2)
    assert [video.id for video in first_page.data] == ids[::-1][:2]
    assert first_page.has_more is True
    assert [video.id for video in sdk.videos.list(limit=2)] == ids[::-1]
    assert [video.id for video in sdk.videos.list(limit=2, order="asc")] == ids


def test_delete_then_not_found(sdk):
    video = finished(sdk)
    deleted = sdk.videos.delete(video.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (video.id, "video.deleted", True)
    with pytest.raises(openai.NotFoundError):
        sdk.videos.retrieve(video.id)


def test_errors_arrive_as_the_sdks_exception_classes(sdk, live_server, settings):
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.videos.create(prompt="x", model="sora-2", size="1792x1024")
    assert (bad.value.status_code, bad.value.param, bad.value.code) == (400, "size", "invalid_value")
    assert bad.value.type == "invalid_request_error"
    assert bad.value.request_id and bad.value.request_id.startswith("req_")
    doomed = sdk.videos.create(prompt="blocked-content")  # queued, then failed: never remixable
    with pytest.raises(openai.BadRequestError) as not_completed:
        sdk.videos.remix(doomed.id, prompt="x")
    assert not_completed.value.param == "video_id"
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.videos.retrieve("video_" + "0" * 48)
    assert missing.value.type == "invalid_request_error"
    with pytest.raises(openai.NotFoundError):
        sdk.videos.download_content("video_" + "0" * 48)

    faults.inject("status", status=429, retry_after_ms=10)
    with pytest.raises(openai.RateLimitError) as limited:
        sdk.videos.list()
    assert limited.value.code == "rate_limit_exceeded"
    faults.inject("status", status=500)
    with pytest.raises(openai.InternalServerError):
        sdk.videos.list()
    faults.inject("status", status=503)
    with pytest.raises(openai.InternalServerError) as unavailable:
        sdk.videos.list()
    assert unavailable.value.status_code == 503

    settings.SIM_API_KEYS = ["sk-only-this-one"]
    with pytest.raises(openai.AuthenticationError):
        sdk.videos.list()


def test_the_sdk_retries_through_injected_faults(live_server):
    client = OpenAI(api_key="sk-retry", base_url=f"{live_server.url}/sim/v1", max_retries=2)
    faults.inject("status", status=429, retry_after_ms=20, method="POST", path="^videos$")
    faults.inject("status", status=503, retry_after_ms=20, method="POST", path="^videos$")
    video = client.videos.create(prompt="retried")
    assert video.status == "queued" and faults.pending() == 0
    assert [v.id for v in client.videos.list()] == [video.id]  # exactly one job was created
    client.close()


def test_characters_and_extension_through_the_sdk(sdk):
    source = finished(sdk, seconds="4")
    mp4 = sdk.videos.download_content(source.id).read()
    character = sdk.videos.create_character(name="Pip", video=("pip.mp4", mp4, "video/mp4"))
    assert character.id.startswith("char_") and character.name == "Pip"
    assert sdk.videos.get_character(character.id).id == character.id
    # edit/extend with {"id"} fail inside the SDK (contract 3.7), so send raw JSON as OpenAI's own skill does.
    extended = sdk.post(
        "/videos/extensions", body={"prompt": "then it rains", "seconds": "4", "video": {"id": source.id}}, cast_to=Video
    )
    assert extended.seconds == "8" and extended.status == "queued"
    edited = sdk.videos.edit(prompt="warmer light", video=("in.mp4", mp4, "video/mp4"), extra_body={"model": "sora-2"})
    assert edited.size == source.size and edited.status == "queued"


def test_simulator_webhooks_verify_with_the_sdk(sdk, settings):
    receiver = WebhookReceiver()
    settings.SIM_WEBHOOK_URL = receiver.url
    settings.SIM_WEBHOOK_SECRET = SECRET
    try:
        video = finished(sdk)
        headers, body = receiver.wait_for(1)[0]
        sdk.webhooks.verify_signature(body, headers, secret=SECRET)
        event = sdk.webhooks.unwrap(body, headers, secret=SECRET)
        assert event.type == "video.completed"
        assert json.loads(body)["data"] == {"id": video.id}
        with pytest.raises(openai.InvalidWebhookSignatureError):
            sdk.webhooks.verify_signature(body.replace(b"completed", b"failed"), headers, secret=SECRET)
        assert jobs.wait_idle(10)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
