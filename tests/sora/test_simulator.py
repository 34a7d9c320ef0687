"""The built-in simulator of /v1/videos, driven with Django's test client (contract section 8)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import time
from pathlib import Path

import av
import pytest
import requests
from PIL import Image

from tests.sora.helpers import WebhookReceiver
from videos.sora import signing
from videos.sora.catalog import (
    SPRITESHEET_COLUMNS,
    SPRITESHEET_ROWS,
    SPRITESHEET_TILE_WIDTH,
)
from videos.sora.simulator import faults, jobs
from videos.sora.simulator.models import SimVideo, SimWebhookDelivery

BASE = "/sim/v1"
KEY = "sk-alice-test"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {KEY}"}
OTHER = {"HTTP_AUTHORIZATION": "Bearer sk-charlie-test"}
SECRET = "whsec_" + base64.b64encode(b"simulator-test-secret-0123456789").decode()


def post_json(client, path, data, auth=AUTH):
    return client.post(BASE + path, data=json.dumps(data), content_type="application/json", **auth)


def create(client, auth=AUTH, **fields):
    fields.setdefault("prompt", "A paper boat sails across a puddle after rain")
    response = post_json(client, "/videos", fields, auth)
    assert response.status_code == 200, response.content
    return response.json()


def get(client, path, auth=AUTH, **params):
    return client.get(BASE + path, params, **auth)


def png(width, height, image_format="PNG"):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format=image_format)
    return out.getvalue()


def data_url(data, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def assert_error(response, status, param, *, code=None, message=None, type_="invalid_request_error"):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == type_
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    assert re.fullmatch(r"req_[0-9a-f]{32}", response["x-request-id"])
    return error


def completed(client, auth=AUTH, **fields):
    video = create(client, auth, **fields)
    job = jobs.run_now(video["id"])
    assert job.status == "completed", job.error_message
    return get(client, f"/videos/{video['id']}", auth).json()


# ---------------------------------------------------------------------------------------------------------------
# Validation (section 8 item 3): each bad input is a 400 with its param, and creates nothing
# ---------------------------------------------------------------------------------------------------------------
BAD_JSON = [
    ({}, "prompt", "missing_required_parameter", None),
    ({"prompt": ""}, "prompt", "string_below_min_length", None),
    ({"prompt": "x" * 32001}, "prompt", "string_above_max_length", None),
    ({"prompt": 5}, "prompt", "invalid_type", None),
    ({"prompt": "p", "model": "sora-3"}, "model", "invalid_value", None),
    ({"prompt": "p", "size": "1920x1080"}, "size", "invalid_value", None),
    ({"prompt": "p", "model": "sora-2", "size": "1792x1024"}, "size", "invalid_value", None),
    ({"prompt": "p", "seconds": "16"}, "seconds", "invalid_value", None),
    (
        {"prompt": "p", "seconds": 8},
        "seconds",
        "invalid_type",
        "Invalid type for 'seconds': expected one of '4', '8', or '12', but got an integer instead.",
    ),
    ({"prompt": "p", "input_reference": {"image_url": "https://x.test/a.png", "file_id": "file-1"}}, "input_reference", None, None),
    ({"prompt": "p", "input_reference": {}}, "input_reference", None, None),
    ({"prompt": "p", "input_reference": "https://x.test/a.png"}, "input_reference", "invalid_type", None),
    ({"prompt": "p", "input_reference": {"image_url": data_url(png(720, 1280, "GIF"), "image/gif")}}, "input_reference", "invalid_image_format", None),
    ({"prompt": "p", "remix_video_id": "video_1"}, "remix_video_id", None, None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "param", "code", "message"), BAD_JSON)
def test_bad_json_create_is_400_with_param_and_creates_nothing(client, body, param, code, message):
    response = post_json(client, "/videos", body)
    assert_error(response, 400, param, code=code, message=message)
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_reference_of_wrong_pixels_is_the_inpaint_error_in_json_and_multipart(client):
    expected = "Inpaint image must match the requested width and height"
    response = post_json(client, "/videos", {"prompt": "p", "input_reference": {"image_url": data_url(png(1280, 720))}})
    assert_error(response, 400, None, message=expected)
    assert response.json()["error"]["code"] is None
    upload = io.BytesIO(png(640, 360))
    upload.name = "ref.png"
    response = client.post(BASE + "/videos", {"prompt": "p", "size": "1280x720", "input_reference": upload}, **AUTH)
    assert_error(response, 400, None, message=expected)
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_multipart_reference_as_a_string_is_invalid_type(client):
    response = client.post(BASE + "/videos", {"prompt": "p", "input_reference": "https://x.test/a.png"}, **AUTH)
    assert_error(
        response,
        400,
        "input_reference",
        code="invalid_type",
        message="Invalid type for 'input_reference': expected a file, but got a string instead.",
    )
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_multipart_reference_that_is_not_an_image_type_is_rejected(client):
    upload = io.BytesIO(png(720, 1280, "GIF"))
    upload.name = "ref.gif"
    response = client.post(BASE + "/videos", {"prompt": "p", "input_reference": upload}, **AUTH)
    assert_error(response, 400, "input_reference", code="invalid_image_format")
    response = client.post(BASE + "/videos", {"model": "sora-2"}, **AUTH)
    assert_error(response, 400, "prompt", code="missing_required_parameter")
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_multipart_create_with_an_exact_reference_is_queued(client):
    upload = io.BytesIO(png(1280, 720, "JPEG"))
    upload.name = "ref.jpg"
    response = client.post(
        BASE + "/videos", {"prompt": "p", "size": "1280x720", "seconds": "8", "input_reference": upload}, **AUTH
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["size"], body["seconds"]) == ("queued", "1280x720", "8")
    job = SimVideo.objects.get(id=body["id"])
    assert job.has_reference


@pytest.mark.django_db
def test_malformed_json_is_400(client):
    response = client.post(BASE + "/videos", data="{nope", content_type="application/json", **AUTH)
    assert_error(response, 400, None)


# ---------------------------------------------------------------------------------------------------------------
# Auth, 404s, ids, the create response
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer ", "Basic abc", "sk-no-scheme"])
def test_it_requires_a_bearer_key(client, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.post(BASE + "/videos", data=json.dumps({"prompt": "p"}), content_type="application/json", **extra)
    assert_error(response, 401, None)
    assert client.get(BASE + "/videos", **extra).status_code == 401
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_listed_keys_only_when_sim_api_keys_is_set(client, settings):
    settings.SIM_API_KEYS = ["sk-good"]
    assert_error(get(client, "/videos"), 401, None, code="invalid_api_key")
    assert get(client, "/videos", {"HTTP_AUTHORIZATION": "Bearer sk-good"}).status_code == 200
    studio_key = {"HTTP_AUTHORIZATION": f"Bearer {settings.SIMULATOR_API_KEY}"}
    assert get(client, "/videos", studio_key).status_code == 200  # the studio's own key always works


@pytest.mark.django_db
def test_it_needs_no_django_login_nor_csrf(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(BASE + "/videos", data=json.dumps({"prompt": "p"}), content_type="application/json", **AUTH)
    assert response.status_code == 200


@pytest.mark.django_db
def test_create_response_has_contract_shape_and_defaults(client):
    before = int(time.time())
    response = post_json(client, "/videos", {"prompt": "A lighthouse at dusk"})
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"video_[0-9a-f]{48}", body["id"])
    assert int(body["id"][6:14], 16) == body["created_at"]
    assert before <= body["created_at"] <= int(time.time())
    assert body == {
        "id": body["id"],
        "object": "video",
        "model": "sora-2",
        "status": "queued",
        "progress": 0,
        "created_at": body["created_at"],
        "completed_at": None,
        "expires_at": None,
        "prompt": "A lighthouse at dusk",
        "size": "720x1280",
        "seconds": "4",
        "remixed_from_video_id": None,
        "error": None,
    }
    assert re.fullmatch(r"req_[0-9a-f]{32}", response["x-request-id"])
    assert int(response["openai-poll-after-ms"]) > 0


@pytest.mark.django_db
def test_unknown_ids_are_404_everywhere(client):
    missing = "video_" + "0" * 48
    assert_error(get(client, f"/videos/{missing}"), 404, "video_id")
    assert_error(client.delete(f"{BASE}/videos/{missing}", **AUTH), 404, "video_id")
    assert_error(get(client, f"/videos/{missing}/content"), 404, "video_id")
    assert_error(post_json(client, f"/videos/{missing}/remix", {"prompt": "p"}), 404, "video_id")
    assert_error(get(client, "/videos/characters/char_nope"), 404, "character_id")
    assert_error(get(client, "/nothing/here"), 404, None)


@pytest.mark.django_db
def test_wrong_method_is_405_with_envelope(client):
    response = client.put(BASE + "/videos", **AUTH)
    assert_error(response, 405, None)


# ---------------------------------------------------------------------------------------------------------------
# Status flow (real threads: transactional)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_status_flow_is_queued_then_in_progress_with_monotonic_progress_then_completed(client, settings):
    settings.SIM_RENDER_SECONDS = 1.5
    settings.SIM_ASSET_TTL_SECONDS = 120
    video = create(client)
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = get(client, f"/videos/{video['id']}")
        body = response.json()
        seen.append((body["status"], body["progress"]))
        if body["status"] in ("completed", "failed"):
            assert "openai-poll-after-ms" not in response
            break
        assert int(response["openai-poll-after-ms"]) >= 100
        time.sleep(0.05)
    statuses = [status for status, _ in seen]
    assert statuses[0] == "queued" and statuses[-1] == "completed"
    assert "in_progress" in statuses
    assert statuses.index("in_progress") > statuses.index("queued")
    assert statuses[statuses.index("in_progress") :].count("queued") == 0
    progresses = [progress for _, progress in seen]
    assert progresses == sorted(progresses)
    assert all(progress <= 99 for status, progress in seen if status != "completed")
    assert progresses[-1] == 100
    assert body["expires_at"] == body["completed_at"] + 120
    assert body["completed_at"] >= video["created_at"]


@pytest.mark.django_db(transaction=True)
def test_an_orphaned_job_is_rendered_by_a_later_retrieve(client, monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "start_thread", lambda target, *args: started.append(args))
    video = create(client)
    assert len(started) == 1  # the create claimed it, but that "process" died before rendering
    job = SimVideo.objects.get(id=video["id"])
    assert not jobs.claim_and_start(job.pk)  # the lease is still held: nobody else renders it
    monkeypatch.undo()
    assert get(client, f"/videos/{video['id']}").json()["status"] in ("queued", "in_progress")
    assert not job.media_ready
    scratch = Path(job.media_dir, "video.mp4.deadrenderer")  # what the dead renderer left half-written
    scratch.parent.mkdir(parents=True, exist_ok=True)
    scratch.write_bytes(b"half an mp4")
    SimVideo.objects.filter(pk=job.pk).update(lease_until=0.0)  # the dead renderer's lease runs out
    get(client, f"/videos/{video['id']}")
    assert jobs.wait_idle(30)
    assert get(client, f"/videos/{video['id']}").json()["status"] == "completed"
    assert not scratch.exists() and Path(job.media_dir, "video.mp4").exists()


@pytest.mark.django_db
def test_completion_waits_for_media_even_when_time_is_up(client):
    video = create(client)
    body = get(client, f"/videos/{video['id']}").json()
    assert body["status"] in ("queued", "in_progress") and body["progress"] <= 99


# ---------------------------------------------------------------------------------------------------------------
# Media
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_completed_job_serves_a_real_mp4_thumbnail_and_spritesheet(client):
    video = completed(client, prompt="A red kite over green hills, wind in the grass", size="720x1280", seconds="4")
    assert video["status"] == "completed" and video["progress"] == 100

    response = get(client, f"/videos/{video['id']}/content", HTTP_ACCEPT="application/binary")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    with av.open(io.BytesIO(data)) as container:
        assert container.format.name.startswith("mov")
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (720, 1280)
        assert abs(container.duration / 1_000_000 - 4) < 0.25
        assert container.streams.audio and container.streams.audio[0].codec_context.name == "aac"
        frames = list(container.decode(video=0))
        assert frames[0].format.name == "yuv420p"
        assert abs(len(frames) / float(stream.average_rate) - 4) < 0.25

    thumb = get(client, f"/videos/{video['id']}/content", variant="thumbnail")
    assert thumb["Content-Type"] == "image/webp"
    thumb_bytes = b"".join(thumb.streaming_content)
    assert int(thumb["Content-Length"]) == len(thumb_bytes)
    image = Image.open(io.BytesIO(thumb_bytes))
    assert (image.format, image.size) == ("WEBP", (720, 1280))

    sheet = get(client, f"/videos/{video['id']}/content", variant="spritesheet")
    assert sheet["Content-Type"] == "image/jpeg"
    sheet_bytes = b"".join(sheet.streaming_content)
    assert int(sheet["Content-Length"]) == len(sheet_bytes)
    image = Image.open(io.BytesIO(sheet_bytes))
    tile_height = round(1280 * SPRITESHEET_TILE_WIDTH / 720)
    assert image.format == "JPEG"
    assert image.size == (SPRITESHEET_TILE_WIDTH * SPRITESHEET_COLUMNS, tile_height * SPRITESHEET_ROWS)
    # Tiles are in time order: each frame's white progress bar (bottom rows) grows left to right, top to bottom.
    bars = []
    for index in range(SPRITESHEET_COLUMNS * SPRITESHEET_ROWS):
        x0 = (index % SPRITESHEET_COLUMNS) * SPRITESHEET_TILE_WIDTH
        y = (index // SPRITESHEET_COLUMNS) * tile_height + tile_height - 1
        row = [image.getpixel((x0 + x, y)) for x in range(SPRITESHEET_TILE_WIDTH)]
        bars.append(sum(1 for pixel in row if min(pixel) > 200))
    assert bars == sorted(bars) and bars[0] < bars[-1]


@pytest.mark.django_db
def test_landscape_pro_size_renders_exact_pixels(client):
    video = completed(client, model="sora-2-pro", size="1792x1024", seconds="4")
    data = b"".join(get(client, f"/videos/{video['id']}/content").streaming_content)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1792, 1024)


@pytest.mark.django_db
def test_bad_variant_is_400_and_unfinished_content_is_404_not_ready(client):
    video = create(client)
    assert_error(get(client, f"/videos/{video['id']}/content", variant="gif"), 400, "variant", code="invalid_value")
    error = assert_error(get(client, f"/videos/{video['id']}/content"), 404, "video_id")
    assert error["message"].startswith("Video is not ready yet")


@pytest.mark.django_db
def test_content_after_expiry_is_404(client, settings):
    settings.SIM_ASSET_TTL_SECONDS = 60
    video = completed(client)
    assert video["expires_at"] == video["completed_at"] + 60
    assert get(client, f"/videos/{video['id']}/content", variant="thumbnail").status_code == 200
    SimVideo.objects.filter(id=video["id"]).update(expires_at=int(time.time()) - 1)
    error = assert_error(get(client, f"/videos/{video['id']}/content"), 404, "video_id")
    assert "expired" in error["message"]
    assert not Path(SimVideo.objects.get(id=video["id"]).media_dir, "video.mp4").exists()


@pytest.mark.django_db
def test_a_create_sweeps_expired_media(client):
    video = completed(client)
    row = SimVideo.objects.get(id=video["id"])
    SimVideo.objects.filter(pk=row.pk).update(expires_at=int(time.time()) - 1)
    assert Path(row.media_dir, "video.mp4").exists()
    create(client)
    assert not Path(row.media_dir, "video.mp4").exists()
    assert get(client, f"/videos/{video['id']}").json()["status"] == "completed"


@pytest.mark.django_db
def test_an_unexpected_error_is_a_500_envelope(client, monkeypatch):
    def broken(job):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "payload", broken)
    response = post_json(client, "/videos", {"prompt": "p"})
    assert_error(response, 500, None, type_="server_error")


# ---------------------------------------------------------------------------------------------------------------
# List, delete, remix
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_paginates_with_cursor_order_and_limit(client):
    ids = [create(client, prompt=f"clip {n}")["id"] for n in range(5)]
    page = get(client, "/videos", limit=2).json()
    assert page["object"] == "list"
    assert [video["id"] for video in page["data"]] == ids[::-1][:2]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (ids[4], ids[3], True)
    page = get(client, "/videos", limit=2, after=page["last_id"]).json()
    assert [video["id"] for video in page["data"]] == [ids[2], ids[1]] and page["has_more"]
    page = get(client, "/videos", limit=2, after=page["last_id"]).json()
    assert [video["id"] for video in page["data"]] == [ids[0]] and page["has_more"] is False
    asc = get(client, "/videos", order="asc", limit=3).json()
    assert [video["id"] for video in asc["data"]] == ids[:3] and asc["has_more"]
    assert [v["id"] for v in get(client, "/videos", order="asc", after=ids[3]).json()["data"]] == [ids[4]]
    default = get(client, "/videos").json()
    assert [video["id"] for video in default["data"]] == ids[::-1] and default["has_more"] is False
    empty = get(client, "/videos", limit=0).json()
    assert empty["data"] == [] and empty["first_id"] is None and empty["last_id"] is None and empty["has_more"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "param"),
    [({"limit": "101"}, "limit"), ({"limit": "-1"}, "limit"), ({"limit": "ten"}, "limit"), ({"order": "up"}, "order"),
     ({"after": "video_" + "f" * 48}, "after")],
)  # fmt: skip
def test_list_rejects_bad_parameters(client, params, param):
    assert_error(get(client, "/videos", **params), 400, param)


@pytest.mark.django_db
def test_delete_only_finished_jobs_then_404(client):
    pending = create(client)
    assert_error(client.delete(f"{BASE}/videos/{pending['id']}", **AUTH), 400, "video_id")
    done = completed(client)
    directory = SimVideo.objects.get(id=done["id"]).media_dir
    response = client.delete(f"{BASE}/videos/{done['id']}", **AUTH)
    assert response.status_code == 200
    assert response.json() == {"id": done["id"], "object": "video.deleted", "deleted": True}
    assert not Path(directory).exists()
    assert_error(get(client, f"/videos/{done['id']}"), 404, "video_id")
    assert_error(get(client, f"/videos/{done['id']}/content"), 404, "video_id")
    assert_error(client.delete(f"{BASE}/videos/{done['id']}", **AUTH), 404, "video_id")


@pytest.mark.django_db
def test_failed_jobs_can_be_deleted(client):
    video = create(client, prompt="this has blocked-content inside")
    assert jobs.run_now(video["id"]).status == "failed"
    assert client.delete(f"{BASE}/videos/{video['id']}", **AUTH).status_code == 200


@pytest.mark.django_db
def test_remix_needs_a_completed_source_and_inherits_from_it(client):
    pending = create(client)
    assert_error(post_json(client, f"/videos/{pending['id']}/remix", {"prompt": "again"}), 400, "video_id")
    source = completed(client, model="sora-2-pro", size="1280x720", seconds="8", prompt="A calm sea at noon")
    assert_error(post_json(client, f"/videos/{source['id']}/remix", {"prompt": ""}), 400, "prompt")
    assert_error(post_json(client, f"/videos/{source['id']}/remix", {}), 400, "prompt")
    count = SimVideo.objects.count()
    response = client.post(f"{BASE}/videos/{source['id']}/remix", {"prompt": "The same sea in a storm"}, **AUTH)
    assert response.status_code == 200, response.content
    child = response.json()
    assert SimVideo.objects.count() == count + 1
    assert (child["model"], child["size"], child["seconds"]) == ("sora-2-pro", "1280x720", "8")
    assert child["remixed_from_video_id"] == source["id"] and child["status"] == "queued"
    grandchild = jobs.run_now(child["id"])
    assert grandchild.status == "completed"
    parent_row = SimVideo.objects.get(id=source["id"])
    assert grandchild.palette_seed == parent_row.palette_seed  # same family colours
    parent_thumb = Path(parent_row.media_dir, "thumbnail.webp").read_bytes()
    child_thumb = Path(grandchild.media_dir, "thumbnail.webp").read_bytes()
    assert parent_thumb != child_thumb


@pytest.mark.django_db
def test_remix_window_when_configured(client, settings):
    source = completed(client)
    settings.SIM_REMIX_WINDOW_HOURS = 1
    assert post_json(client, f"/videos/{source['id']}/remix", {"prompt": "ok"}).status_code == 200
    SimVideo.objects.filter(id=source["id"]).update(created_at=int(time.time()) - 3601)
    error = assert_error(post_json(client, f"/videos/{source['id']}/remix", {"prompt": "late"}), 400, "video_id")
    assert "1 hours" in error["message"]
    settings.SIM_REMIX_WINDOW_HOURS = 0
    assert post_json(client, f"/videos/{source['id']}/remix", {"prompt": "no window"}).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Keys, limits, moderation
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_key_sees_only_its_own_jobs_and_keys_are_stored_hashed(client):
    video = completed(client)
    assert_error(get(client, f"/videos/{video['id']}", OTHER), 404, "video_id")
    assert_error(get(client, f"/videos/{video['id']}/content", OTHER), 404, "video_id")
    assert_error(client.delete(f"{BASE}/videos/{video['id']}", **OTHER), 404, "video_id")
    assert_error(post_json(client, f"/videos/{video['id']}/remix", {"prompt": "mine"}, OTHER), 404, "video_id")
    assert get(client, "/videos", OTHER).json()["data"] == []
    assert [v["id"] for v in get(client, "/videos").json()["data"]] == [video["id"]]
    row = SimVideo.objects.get(id=video["id"])
    assert row.key_hash == hashlib.sha256(KEY.encode()).hexdigest()
    assert not SimVideo.objects.filter(key_hash=KEY).exists()


@pytest.mark.django_db
def test_in_flight_limit_per_key_is_429(client, settings):
    settings.SIM_MAX_IN_FLIGHT = 2
    first = create(client)
    create(client)
    response = post_json(client, "/videos", {"prompt": "third"})
    assert_error(response, 429, None, code="rate_limit_exceeded", type_="requests")
    assert SimVideo.objects.count() == 2
    assert create(client, OTHER)["status"] == "queued"  # another key has its own budget
    jobs.run_now(first["id"])
    assert create(client)["status"] == "queued"


@pytest.mark.django_db
def test_a_moderated_prompt_fails_later_with_moderation_blocked(client, settings):
    settings.SIM_RENDER_SECONDS = 30
    video = create(client, prompt="Show the BLOCKED-CONTENT scene")
    assert video["status"] == "queued" and video["error"] is None
    assert get(client, f"/videos/{video['id']}").json()["status"] in ("queued", "in_progress")
    job = jobs.run_now(video["id"])
    body = get(client, f"/videos/{video['id']}").json()
    assert body["status"] == "failed" and job.media_ready is False
    assert body["error"]["code"] == "moderation_blocked" and body["error"]["message"]
    assert body["completed_at"] is not None and body["expires_at"] is None
    assert_error(get(client, f"/videos/{video['id']}/content"), 404, "video_id")


# ---------------------------------------------------------------------------------------------------------------
# Fault queue
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_fault_queue_is_consumed_in_order_and_matches_method_and_path(client):
    faults.inject("status", status=429, retry_after_ms=50, retry_after=1, method="POST", path=r"^videos$")
    faults.inject("status", status=503)
    listing = get(client, "/videos")  # GET does not match the first fault: takes the second
    assert_error(listing, 503, None, type_="server_error")
    response = post_json(client, "/videos", {"prompt": "p"})
    error = assert_error(response, 429, None, code="rate_limit_exceeded", type_="requests")
    assert error["message"]
    assert (response["retry-after-ms"], response["retry-after"]) == ("50", "1")
    assert SimVideo.objects.count() == 0
    assert faults.pending() == 0
    assert post_json(client, "/videos", {"prompt": "p"}).status_code == 200


@pytest.mark.django_db
def test_random_faults_at_sim_fault_rate(client, settings, monkeypatch):
    settings.SIM_FAULT_RATE = 1.0
    monkeypatch.setattr(faults.random, "choice", lambda options: "503")
    assert_error(get(client, "/videos"), 503, None, type_="server_error")
    monkeypatch.setattr(faults.random, "choice", lambda options: "429")
    limited = get(client, "/videos")
    assert_error(limited, 429, None, code="rate_limit_exceeded", type_="requests")
    assert 200 <= int(limited["retry-after-ms"]) <= 1000 and limited["retry-after"] == "1"
    settings.SIM_FAULT_RATE = 0.0
    assert get(client, "/videos").status_code == 200


@pytest.mark.django_db
def test_delay_fault_slows_one_response(client, monkeypatch):
    from videos.sora.simulator import views

    pauses = []
    monkeypatch.setattr(views.time, "sleep", pauses.append)
    faults.inject("delay", delay_seconds=0.3, path="^videos$")

    assert get(client, "/videos").status_code == 200
    assert pauses == [0.3]
    assert get(client, "/videos").status_code == 200
    assert pauses == [0.3]  # one-shot: the next answer comes at once


@pytest.mark.django_db
def test_fail_job_fault_fails_the_next_created_job(client):
    faults.inject("fail_job", code="internal_error")
    failing = create(client)
    healthy = create(client)
    assert jobs.run_now(failing["id"]).error_code == "internal_error"
    assert jobs.run_now(healthy["id"]).status == "completed"


@pytest.mark.django_db(transaction=True)
def test_cutoff_fault_drops_the_connection_mid_download(live_server, client):
    video = completed(client)
    faults.inject("cutoff", path="/content$")
    url = f"{live_server.url}{BASE}/videos/{video['id']}/content"
    headers = {"Authorization": f"Bearer {KEY}"}
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response = requests.get(url, headers=headers, stream=True, timeout=(3, 10))
        b"".join(response.iter_content(8192))
    whole = requests.get(url, headers=headers, timeout=(3, 10))
    assert whole.status_code == 200 and len(whole.content) == int(whole.headers["content-length"])


# ---------------------------------------------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def receiver(settings):
    hook = WebhookReceiver()
    settings.SIM_WEBHOOK_URL = hook.url
    settings.SIM_WEBHOOK_SECRET = SECRET
    yield hook
    assert jobs.wait_idle(30)
    hook.close()


@pytest.mark.django_db(transaction=True)
def test_webhook_is_signed_and_retried_with_the_same_webhook_id(client, receiver):
    receiver.statuses = [500, 503]
    video = create(client)
    delivered = receiver.wait_for(3)
    assert len(delivered) == 3
    ids = {headers["webhook-id"] for headers, _ in delivered}
    assert len(ids) == 1 and re.fullmatch(r"wh_[0-9a-f]{32}", ids.pop())
    bodies = {body for _, body in delivered}
    assert len(bodies) == 1
    for headers, body in delivered:
        payload = signing.verify(SECRET, headers, body)
        assert headers["content-type"] == "application/json"
        assert headers["user-agent"].startswith("OpenAI/1.0")
    assert re.fullmatch(r"evt_[0-9a-f]+", payload["id"])
    assert payload["object"] == "event" and payload["type"] == "video.completed"
    assert payload["data"] == {"id": video["id"]} and isinstance(payload["created_at"], int)
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(SECRET, delivered[0][0], body + b" ")
    assert jobs.wait_idle(10)
    row = SimWebhookDelivery.objects.get(video_id=video["id"])
    assert (row.attempts, row.last_status, row.delivered_at is not None) == (3, 200, True)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_left_by_a_dead_process_is_resumed_by_the_next_request(client, receiver):
    body = json.dumps({"id": "evt_1", "object": "event", "created_at": 1, "type": "video.completed", "data": {"id": "v"}})
    SimWebhookDelivery.objects.create(
        webhook_id=signing.new_message_id(), event_id="evt_1", video_id="v", url=receiver.url, body=body,
        attempts=1, next_attempt_at=0.0, lease_until=0.0,  # its process died after one attempt
    )  # fmt: skip

    assert get(client, "/videos").status_code == 200

    headers, delivered = receiver.wait_for(1)[0]
    assert signing.verify(SECRET, headers, delivered)["id"] == "evt_1"


@pytest.mark.django_db(transaction=True)
def test_failed_job_sends_video_failed(client, receiver):
    video = create(client, prompt="blocked-content please")
    headers, body = receiver.wait_for(1)[0]
    payload = signing.verify(SECRET, headers, body)
    assert (payload["type"], payload["data"]["id"]) == ("video.failed", video["id"])


@pytest.mark.django_db(transaction=True)
def test_no_webhook_without_a_whsec_secret(client, receiver, settings):
    settings.SIM_WEBHOOK_SECRET = "not-a-standard-secret"
    video = create(client)
    assert jobs.wait_idle(30)
    assert get(client, f"/videos/{video['id']}").json()["status"] == "completed"
    assert receiver.requests == [] and not SimWebhookDelivery.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Edits, extensions, characters
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_extension_stitches_seconds_and_edit_inherits(client):
    source = completed(client, seconds="4")
    extended = post_json(client, "/videos/extensions", {"prompt": "and then", "seconds": "4", "video": {"id": source["id"]}})
    assert extended.status_code == 200, extended.content
    assert (extended.json()["seconds"], extended.json()["size"]) == ("8", source["size"])
    edit = post_json(client, "/videos/edits", {"prompt": "bluer", "video": {"id": source["id"]}})
    assert edit.status_code == 200, edit.content
    assert (edit.json()["model"], edit.json()["seconds"]) == (source["model"], "4")
    pending = create(client)
    assert_error(post_json(client, "/videos/edits", {"prompt": "x", "video": {"id": pending["id"]}}), 400, "video")
    assert_error(post_json(client, "/videos/extensions", {"prompt": "x"}), 400, "video")
    done = jobs.run_now(extended.json()["id"])
    with av.open(f"{done.media_dir}/video.mp4") as container:
        assert abs(container.duration / 1_000_000 - 8) < 0.25


@pytest.mark.django_db
def test_characters_create_and_retrieve(client):
    source = completed(client)
    mp4 = io.BytesIO(Path(SimVideo.objects.get(id=source["id"]).media_dir, "video.mp4").read_bytes())
    mp4.name = "pip.mp4"
    response = client.post(BASE + "/videos/characters", {"name": "Captain Paper", "video": mp4}, **AUTH)
    assert response.status_code == 200, response.content
    character = response.json()
    assert re.fullmatch(r"char_[0-9a-f]{32}", character["id"]) and character["name"] == "Captain Paper"
    assert get(client, f"/videos/characters/{character['id']}").json() == character
    assert get(client, f"/videos/characters/{character['id']}", OTHER).status_code == 404
    not_video = io.BytesIO(b"not a video")
    not_video.name = "x.mp4"
    assert_error(client.post(BASE + "/videos/characters", {"name": "X", "video": not_video}, **AUTH), 400, "video")
    mp4.seek(0)
    assert_error(client.post(BASE + "/videos/characters", {"video": mp4}, **AUTH), 400, "name")
    with_character = create(client, characters=[{"id": character["id"]}])
    assert with_character["status"] == "queued"
