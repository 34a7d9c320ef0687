"""The studio's own SoraClient against the simulator over real HTTP (live_server)."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from videos.sora.client import SoraClient
from videos.sora.errors import SoraError
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimVideo
from videos.sora.types import ImageUpload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sora(sim_base_url):
    client = SoraClient(api_key="sk-client-test", base_url=sim_base_url, timeout=(3.0, 20.0), max_retries=2)
    client.delays = []
    client.sleep = client.delays.append  # retries do not really wait; the hints are recorded
    yield client
    client.close()


def wait_done(sora: SoraClient, video_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        video = sora.retrieve(video_id)
        if video.is_terminal:
            return video
        assert video.poll_after_ms and video.poll_after_ms > 0
        assert time.monotonic() < deadline, f"{video_id} still {video.status}"
        time.sleep(video.poll_after_ms / 1000)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_create_json_poll_and_download_every_variant(sora):
    created = sora.create("A hummingbird hovers at a red flower", size="720x1280", seconds=4)
    assert created.status == "queued" and created.request_id.startswith("req_")
    video = wait_done(sora, created.id)
    assert video.is_completed and video.progress == 100 and video.seconds == "4"
    directory = Path(SimVideo.objects.get(id=video.id).media_dir)
    for variant, filename, mime in (
        ("video", "video.mp4", "video/mp4"),
        ("thumbnail", "thumbnail.webp", "image/webp"),
        ("spritesheet", "spritesheet.jpg", "image/jpeg"),
    ):
        sink = io.BytesIO()
        download = sora.download(video.id, sink, variant=variant, chunk_size=16 * 1024)
        on_disk = (directory / filename).read_bytes()
        assert download.content_type == mime
        assert download.bytes == len(on_disk) == len(sink.getvalue())
        assert download.sha256 == hashlib.sha256(on_disk).hexdigest() == hashlib.sha256(sink.getvalue()).hexdigest()


def test_create_multipart_with_an_exactly_sized_reference(sora):
    upload = ImageUpload("first-frame.png", png(1280, 720))
    video = sora.create("Pan right from this frame", size="1280x720", input_reference=upload)
    assert video.size == "1280x720"
    assert SimVideo.objects.get(id=video.id).has_reference
    assert wait_done(sora, video.id).is_completed

    with pytest.raises(SoraError) as wrong:
        sora.create("p", size="1280x720", input_reference=ImageUpload("small.png", png(640, 360)))
    assert (wrong.value.status, wrong.value.param, wrong.value.code) == (400, None, None)
    assert wrong.value.message == "Inpaint image must match the requested width and height"
    assert wrong.value.retryable is False


def test_list_iterates_over_several_pages(sora):
    ids = [sora.create(f"frame {n}").id for n in range(5)]
    assert [video.id for video in sora.list(limit=2)] == ids[::-1]
    assert [video.id for video in sora.list(limit=2, order="asc")] == ids
    page = sora.list_page(limit=2)
    assert page.has_more and page.next_cursor == ids[3]


def test_remix_and_delete(sora):
    source = wait_done(sora, sora.create("A kettle starts to boil", model="sora-2-pro", size="1280x720").id)
    remix = sora.remix(source.id, "The kettle, but it is made of ice")
    assert remix.remixed_from_video_id == source.id and (remix.model, remix.size) == ("sora-2-pro", "1280x720")
    assert wait_done(sora, remix.id).is_completed
    deleted = sora.delete(source.id)
    assert deleted.deleted and deleted.id == source.id
    with pytest.raises(SoraError) as gone:
        sora.retrieve(source.id)
    assert gone.value.is_not_found and gone.value.type == "invalid_request_error"
    assert sora.retrieve(remix.id).remixed_from_video_id == source.id  # the child outlives its parent


def test_errors_map_to_sora_error(sora, live_server):
    with pytest.raises(SoraError) as bad:
        sora.create("p", model="sora-2", size="1024x1792")
    assert (bad.value.status, bad.value.type, bad.value.param, bad.value.code) == (
        400, "invalid_request_error", "size", "invalid_value",
    )  # fmt: skip
    assert bad.value.permanent and bad.value.request_id.startswith("req_")
    with pytest.raises(SoraError) as bad_seconds:
        sora.create("p", seconds=16)
    assert bad_seconds.value.param == "seconds"
    with pytest.raises(SoraError) as missing:
        sora.download("video_" + "a" * 48, io.BytesIO())
    assert missing.value.status == 404 and not missing.value.retryable
    pending = sora.create("blocked-content here")
    with pytest.raises(SoraError) as not_remixable:
        sora.remix(pending.id, "again")
    assert (not_remixable.value.status, not_remixable.value.param) == (400, "video_id")
    failed = wait_done(sora, pending.id)
    assert failed.is_failed and failed.error.code == "moderation_blocked"
    outsider = SoraClient(api_key="sk-someone-else", base_url=sora.base_url, max_retries=0)
    with pytest.raises(SoraError) as not_theirs:
        outsider.retrieve(pending.id)
    assert not_theirs.value.status == 404
    assert SoraError is type(not_theirs.value)


def test_auth_error(sora, settings):
    settings.SIM_API_KEYS = ["sk-the-only-key"]
    with pytest.raises(SoraError) as denied:
        sora.list_page()
    assert (denied.value.status, denied.value.code, denied.value.retryable) == (401, "invalid_api_key", False)
    assert "sk-client-test" not in str(denied.value)


def test_retries_survive_injected_429_and_500(sora):
    video = sora.create("A robot waters a plant")
    faults.inject("status", status=429, retry_after_ms=15, method="GET", path=r"^videos/video_[0-9a-f]+$")
    faults.inject("status", status=500, method="GET", path=r"^videos/video_[0-9a-f]+$")
    assert sora.retrieve(video.id).id == video.id
    assert faults.pending() == 0
    assert sora.delays[0] == pytest.approx(0.015)  # the server's retry-after-ms hint
    assert 0.75 <= sora.delays[1] <= 1.0  # no hint: exponential backoff (second retry)


def test_create_is_retried_only_on_an_error_response_and_makes_one_job(sora):
    faults.inject("status", status=503, method="POST", path="^videos$")
    video = sora.create("Only once")
    assert SimVideo.objects.count() == 1 and SimVideo.objects.get().id == video.id


def test_retries_give_up_after_max_retries(sora):
    faults.inject("status", status=503, method="GET", times=3)
    with pytest.raises(SoraError) as exhausted:
        sora.list_page()
    assert exhausted.value.status == 503 and exhausted.value.retryable
    assert len(sora.delays) == 2


def test_a_cut_off_download_is_resumed_with_a_range_in_the_same_call(sora):
    """The simulator answers ranges, as the file servers behind real providers do: after the connection breaks
    mid-file, the rest is asked for from where it stopped, and the bytes are the whole file's."""
    video = wait_done(sora, sora.create("A train passes a level crossing").id)
    whole = io.BytesIO()
    expected = sora.download(video.id, whole)
    faults.inject("cutoff", path="/content$")
    sink = io.BytesIO()

    download = sora.download(video.id, sink, chunk_size=8192)  # small reads: the half before the cut arrives

    assert (download.bytes, download.sha256) == (expected.bytes, expected.sha256)
    assert sink.getvalue() == whole.getvalue() and faults.pending() == 0


def test_a_download_that_keeps_breaking_is_a_retryable_error_and_a_retry_succeeds(sora):
    video = wait_done(sora, sora.create("A tram crosses a bridge").id)
    faults.inject("cutoff", path="/content$", times=4)  # more cuts than the client resumes
    with pytest.raises(SoraError) as cut:
        sora.download(video.id, io.BytesIO(), chunk_size=8192)
    assert cut.value.retryable
    sink = io.BytesIO()
    download = sora.download(video.id, sink)
    assert download.bytes == len(sink.getvalue()) > 0


def test_a_slow_response_times_out_on_the_clients_read_timeout(sora):
    faults.inject("delay", delay_seconds=1.5, method="GET", path="^videos$")
    impatient = SoraClient(api_key="sk-client-test", base_url=sora.base_url, timeout=(3.0, 0.5), max_retries=0)
    with pytest.raises(SoraError) as slow:
        impatient.list_page()
    assert slow.value.retryable and slow.value.status is None
    impatient.close()
    time.sleep(1.2)  # let the slow request finish before the database is flushed
