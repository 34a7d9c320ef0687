"""The simulator's profiles over real HTTP: each answers as its server does (videos/sora/simulator/profiles.py).

Every profile is a base URL of the same live server (``sim_profile_url``); the sources each behaviour follows are
named in profiles.py.
"""

from __future__ import annotations

import base64
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
from tests.sora.sim_profiles import PROFILE_NAMES, profile_base_url
from videos.sora import signing
from videos.sora.simulator import faults, jobs
from videos.sora.simulator.models import SimVideo, SimWebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"profiles-webhook-secret-01234567").decode()
KEY = "sk-profiles-test"
OTHER_KEY = "sk-profiles-other"
PENDING_WORDS = {"queued", "in_progress", "pending", "processing"}
DONE_WORD = {"statuswords": "done"}


def http(key: str = KEY) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def png(width: int, height: int, image_format: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format=image_format)
    return out.getvalue()


def form(**fields) -> dict:
    """Multipart fields for requests (``files=``), so a create without a file still goes as multipart."""
    return {name: value if isinstance(value, tuple) else (None, str(value)) for name, value in fields.items()}


def create(session: requests.Session, base: str, profile: str, prompt: str = "A paper boat on a puddle", **extra):
    """The simplest create each server accepts; returns the response."""
    if profile == "vllm-omni":
        return session.post(f"{base}/videos", files=form(prompt=prompt, **extra))
    if profile == "relay":
        return session.post(f"{base}/videos", json={"model": "sora-2", "prompt": prompt, **extra})
    return session.post(f"{base}/videos", json={"prompt": prompt, **extra})


def created(session, base, profile, **kwargs) -> dict:
    response = create(session, base, profile, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def wait_done(session: requests.Session, base: str, video_id: str, timeout: float = 30.0) -> requests.Response:
    """Poll the retrieve until the job leaves the in-progress words; the last response."""
    deadline = time.monotonic() + timeout
    while True:
        response = session.get(f"{base}/videos/{video_id}")
        if response.status_code != 200 or response.json()["status"] not in PENDING_WORDS:
            return response
        assert time.monotonic() < deadline, f"still {response.json()['status']} after {timeout} s"
        time.sleep(0.05)


def mp4_size(data: bytes) -> tuple[int, int, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height, container.duration / 1_000_000


# ---------------------------------------------------------------------------------------------------------------
# What every server shares: create -> poll -> download the MP4
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_every_profile_creates_polls_and_downloads_the_mp4(sim_profile_url, profile):
    base = sim_profile_url(profile)
    session = http()
    if profile == "sglang":
        video = session.post(f"{base}/videos", json={"prompt": "A snail crosses a log", "size": "1280x720"}).json()
    else:
        video = created(session, base, profile, prompt="A snail crosses a log", size="1280x720")
    final = wait_done(session, base, video["id"])
    assert final.status_code == 200 and final.json()["status"] == DONE_WORD.get(profile, "completed")
    assert final.json()["id"] == video["id"]
    content = session.get(f"{base}/videos/{video['id']}/content")
    assert content.status_code == 200 and content.headers["content-type"] == "video/mp4"
    width, height, seconds = mp4_size(content.content)
    assert (width, height) == (1280, 720) and abs(seconds - 4) < 0.3
    assert jobs.wait_idle(30)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_a_job_lives_under_its_profile_and_its_key_only(sim_profile_url, profile):
    base = sim_profile_url(profile)
    elsewhere = sim_profile_url("relay" if profile == "openai" else "openai")
    if profile == "sglang":  # its multipart create needs an image; JSON does not
        video = http().post(f"{base}/videos", json={"prompt": "mine"}).json()
    else:
        video = created(http(), base, profile, prompt="mine")
    assert SimVideo.objects.get(id=video["id"]).profile == profile
    assert http().get(f"{base}/videos/{video['id']}").status_code == 200
    assert http(OTHER_KEY).get(f"{base}/videos/{video['id']}").status_code in (400, 404)  # relay: 400 task_not_exist
    assert http().get(f"{elsewhere}/videos/{video['id']}").status_code in (400, 404)
    if profile != "relay":  # the relay has no list
        assert [item["id"] for item in http().get(f"{base}/videos").json()["data"]] == [video["id"]]
        assert http(OTHER_KEY).get(f"{base}/videos").json()["data"] == []
    if profile != "openai":
        assert http().get(f"{sim_profile_url('openai')}/videos").json()["data"] == []
    assert jobs.wait_idle(30)


def test_an_unknown_profile_is_a_404(live_server):
    response = http().get(f"{live_server.url}/sim/nope/v1/videos")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (GET /v1/videos)"
    with pytest.raises(ValueError):
        profile_base_url(live_server.url, "nope")


# ---------------------------------------------------------------------------------------------------------------
# vLLM-Omni
# ---------------------------------------------------------------------------------------------------------------
def vllm_error(response: requests.Response, status: int) -> str:
    """vLLM's ErrorResponse: {"error": {message, type: HTTP phrase, param: null, code: <int status>}}."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == status and error["param"] is None and isinstance(error["type"], str)
    return error["message"]


def test_vllm_omni_refuses_a_json_create_like_fastapi_form_parameters(sim_profile_url):
    base = sim_profile_url("vllm-omni")
    response = http().post(f"{base}/videos", json={"prompt": "A lighthouse", "model": "Wan-AI/Wan2.2-T2V-A14B-Diffusers"})
    message = vllm_error(response, 400)
    assert "'loc': ['body', 'prompt']" in message and "Field required" in message
    assert response.json()["error"]["type"] == "Bad Request"
    assert SimVideo.objects.count() == 0
    assert "x-request-id" not in response.headers


def test_vllm_omni_serves_one_model_and_takes_any_size_and_seconds(sim_profile_url, settings):
    base = sim_profile_url("vllm-omni")
    session = http()
    message = vllm_error(create(session, base, "vllm-omni", model="sora-2"), 400)
    assert message == "Model mismatch: request specifies 'sora-2' but server is running 'Wan-AI/Wan2.2-T2V-A14B-Diffusers'."
    settings.SIM_VLLM_OMNI_MODEL = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    video = created(session, base, "vllm-omni", model="Wan-AI/Wan2.2-TI2V-5B-Diffusers", size="640x352", seconds="2")
    assert re.fullmatch(r"video_gen_[0-9a-f]{32}", video["id"])
    assert (video["model"], video["size"], video["seconds"], video["status"]) == (
        "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "640x352", "2", "queued",
    )  # fmt: skip
    assert (video["quality"], video["media_type"], video["expires_at"], video["file_name"]) == ("default", "video/mp4", None, None)
    done = wait_done(session, base, video["id"]).json()
    assert (done["status"], done["progress"], done["file_name"]) == ("completed", 100, f"{video['id']}.mp4")
    assert done["expires_at"] is None  # no expiry
    content = session.get(f"{base}/videos/{video['id']}/content", params={"variant": "thumbnail"})
    assert content.headers["content-type"] == "video/mp4"  # no variants: always the MP4
    assert content.headers["content-disposition"].startswith("attachment;")
    width, height, seconds = mp4_size(content.content)
    assert (width, height) == (640, 352) and abs(seconds - 2) < 0.3
    no_size = created(session, base, "vllm-omni")
    assert (no_size["size"], no_size["seconds"]) == (None, "4")
    wait_done(session, base, no_size["id"])
    assert mp4_size(session.get(f"{base}/videos/{no_size['id']}/content").content)[:2] == (832, 480)
    bad = create(session, base, "vllm-omni", size="wide", seconds="0")
    message = vllm_error(bad, 400)
    assert "'loc': ['body', 'seconds']" in message and "'loc': ['body', 'size']" in message
    assert SimVideo.objects.count() == 2
    assert jobs.wait_idle(30)


def test_vllm_omni_answers_a_failed_job_with_a_non_2xx_retrieve(sim_profile_url):
    base = sim_profile_url("vllm-omni")
    session = http()
    faults.inject("fail_job", code="internal_error")
    failed = created(session, base, "vllm-omni")
    moderated = created(session, base, "vllm-omni", prompt="a blocked-content scene")
    response = wait_done(session, base, failed["id"])
    assert response.status_code == 500
    body = response.json()  # the job itself, its error.code the HTTP status
    assert body["id"] == failed["id"] and body["status"] == "failed"
    assert body["error"] == {"code": 500, "message": "Video generation failed (simulated)."}
    response = wait_done(session, base, moderated["id"])
    assert response.status_code == 400 and response.json()["error"]["code"] == 400
    content = session.get(f"{base}/videos/{failed['id']}/content")
    assert vllm_error(content, 422) == "Video generation failed. Check job status for error details."
    listed = session.get(f"{base}/videos").json()
    assert {item["status"] for item in listed["data"]} == {"failed"}  # the list itself is a 200
    assert jobs.wait_idle(30)


def test_vllm_omni_delete_cancels_a_running_job(sim_profile_url, settings):
    settings.SIM_RENDER_SECONDS = 60
    base = sim_profile_url("vllm-omni")
    session = http()
    video = created(session, base, "vllm-omni", prompt="A long slow render")
    running = session.get(f"{base}/videos/{video['id']}").json()
    assert running["status"] in ("queued", "in_progress") and running["progress"] == 0
    assert vllm_error(session.get(f"{base}/videos/{video['id']}/content"), 404) == "Generation is still in-progress"
    row = SimVideo.objects.get(id=video["id"])
    response = session.delete(f"{base}/videos/{video['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": video["id"], "deleted": True, "object": "video.deleted"}
    assert vllm_error(session.get(f"{base}/videos/{video['id']}"), 404) == "Video not found"
    assert jobs.wait_idle(30)  # the renderer noticed and stopped
    assert not SimVideo.objects.filter(pk=row.pk).exists()
    assert not Path(row.media_dir).exists()


def test_vllm_omni_has_no_remix_edits_or_characters(sim_profile_url):
    base = sim_profile_url("vllm-omni")
    session = http()
    video = created(session, base, "vllm-omni")
    wait_done(session, base, video["id"])
    remix = session.post(f"{base}/videos/{video['id']}/remix", json={"prompt": "again"})
    assert (remix.status_code, remix.json()) == (404, {"detail": "Not Found"})
    wrong_method = session.put(f"{base}/videos")
    assert (wrong_method.status_code, wrong_method.json()) == (405, {"detail": "Method Not Allowed"})
    edits = session.post(f"{base}/videos/edits", json={"prompt": "p", "video": {"id": video["id"]}})
    assert (edits.status_code, edits.json()) == (405, {"detail": "Method Not Allowed"})  # it is /videos/{video_id}
    assert vllm_error(session.get(f"{base}/videos/characters"), 404) == "Video not found"
    assert session.get(f"{base}/videos/characters/char_1").json() == {"detail": "Not Found"}
    assert SimVideo.objects.count() == 1
    assert jobs.wait_idle(30)


def test_vllm_omni_lists_everything_without_a_limit_and_an_unknown_cursor_is_empty(sim_profile_url):
    base = sim_profile_url("vllm-omni")
    session = http()
    ids = [created(session, base, "vllm-omni", prompt=f"clip {n}")["id"] for n in range(3)]
    page = session.get(f"{base}/videos").json()
    assert [item["id"] for item in page["data"]] == ids[::-1]
    assert (page["first_id"], page["last_id"], page["has_more"], page["object"]) == (ids[2], ids[0], False, "list")
    page = session.get(f"{base}/videos", params={"limit": 1, "order": "asc"}).json()
    assert [item["id"] for item in page["data"]] == [ids[0]] and page["has_more"] is True
    assert session.get(f"{base}/videos", params={"after": "video_gen_nope"}).json()["data"] == []
    vllm_error(session.get(f"{base}/videos", params={"limit": 101}), 400)
    vllm_error(session.get(f"{base}/videos", params={"order": "up"}), 400)
    assert jobs.wait_idle(30)


# ---------------------------------------------------------------------------------------------------------------
# SGLang diffusion
# ---------------------------------------------------------------------------------------------------------------
def test_sglang_multipart_create_requires_an_input_reference(sim_profile_url):
    base = sim_profile_url("sglang")
    session = http()
    response = session.post(f"{base}/videos", files=form(prompt="A fox in snow"))
    assert (response.status_code, response.json()) == (400, {"detail": "input_reference file is required"})
    response = session.post(f"{base}/videos", files=form(input_reference=("ref.png", png(64, 64), "image/png")))
    assert (response.status_code, response.json()) == (400, {"detail": "prompt is required"})
    response = session.post(f"{base}/videos", files=form(prompt="p", seconds="four"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "seconds"]
    assert SimVideo.objects.count() == 0
    # Any image will do (the pipeline resizes it); the model is echoed, "sora-2" when none.
    response = session.post(
        f"{base}/videos", files=form(prompt="A fox in snow", input_reference=("ref.jpg", png(300, 200, "JPEG"), "image/jpeg"))
    )
    assert response.status_code == 200, response.text
    video = response.json()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", video["id"])
    assert (video["model"], video["size"], video["seconds"], video["quality"]) == ("sora-2", "720x1280", "4", "standard")
    assert "prompt" not in video and video["file_path"].endswith(f"{video['id']}.mp4")
    assert SimVideo.objects.get(id=video["id"]).has_reference
    assert wait_done(session, base, video["id"]).json()["status"] == "completed"
    assert jobs.wait_idle(30)


def test_sglang_json_create_and_a_reference_that_is_no_image_fails_later(sim_profile_url):
    base = sim_profile_url("sglang")
    session = http()
    response = session.post(f"{base}/videos", json={"seconds": 4})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid request body: 1 validation error for VideoGenerationsRequest\nprompt")
    video = session.post(f"{base}/videos", json={"prompt": "p", "model": "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "seconds": "2"}).json()
    assert (video["model"], video["seconds"]) == ("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "2")
    broken = session.post(
        f"{base}/videos", files=form(prompt="p", input_reference=("notes.txt", b"not an image at all", "text/plain"))
    )
    assert broken.status_code == 200  # SGLang saves any upload: the pipeline fails on it later
    failed = wait_done(session, base, broken.json()["id"])
    assert failed.status_code == 200
    body = failed.json()
    assert body["status"] == "failed" and body["completed_at"] is None
    assert set(body["error"]) == {"message"} and "cannot identify image file" in body["error"]["message"]
    content = session.get(f"{base}/videos/{body['id']}/content")
    assert (content.status_code, content.json()) == (404, {"detail": "Generation is still in-progress"})
    assert jobs.wait_idle(30)


def test_sglang_delete_forgets_at_once_and_the_list_has_no_cursors(sim_profile_url, settings):
    base = sim_profile_url("sglang")
    session = http()
    settings.SIM_RENDER_SECONDS = 60
    first = session.post(f"{base}/videos", json={"prompt": "one"}).json()
    settings.SIM_RENDER_SECONDS = 0.0
    second = session.post(f"{base}/videos", json={"prompt": "two"}).json()
    page = session.get(f"{base}/videos").json()
    assert set(page) == {"data", "object"} and [item["id"] for item in page["data"]] == [second["id"], first["id"]]
    assert session.get(f"{base}/videos", params={"after": "nope"}).json() == {"data": [], "object": "list"}
    assert session.get(f"{base}/videos", params={"limit": 0}).status_code == 422
    thumbnail = session.get(f"{base}/videos/{first['id']}/content", params={"variant": "thumbnail"})
    assert (thumbnail.status_code, thumbnail.json()) == (404, {"detail": "Generation is still in-progress"})
    response = session.delete(f"{base}/videos/{first['id']}")  # still running: no matter
    assert response.status_code == 200
    assert response.json()["id"] == first["id"] and response.json()["status"] == "deleted"
    assert session.get(f"{base}/videos/{first['id']}").json() == {"detail": "Video not found"}
    remix = session.post(f"{base}/videos/{second['id']}/remix", json={"prompt": "x"})
    assert (remix.status_code, remix.json()) == (404, {"detail": "Not Found"})
    assert wait_done(session, base, second["id"]).json()["status"] == "completed"
    thumbnail = session.get(f"{base}/videos/{second['id']}/content", params={"variant": "thumbnail"})
    assert thumbnail.headers["content-type"] == "video/mp4"
    assert jobs.wait_idle(30)


# ---------------------------------------------------------------------------------------------------------------
# A new-api-like relay
# ---------------------------------------------------------------------------------------------------------------
def task_error(response: requests.Response, status: int, code: str) -> str:
    """new-api's TaskError: {"code", "message", "data": null}."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "data"} and body["data"] is None and body["code"] == code
    return body["message"]


def test_relay_checks_its_own_fields_then_wraps_the_upstream_refusal(sim_profile_url):
    base = sim_profile_url("relay")
    session = http()
    assert task_error(session.post(f"{base}/videos", json={"prompt": "p"}), 400, "missing_model") == "model field is required"
    assert task_error(session.post(f"{base}/videos", json={"model": "sora-2", "prompt": " "}), 400, "invalid_request") == "prompt is required"
    size = session.post(f"{base}/videos", json={"model": "sora-2", "prompt": "p", "size": "1792x1024"})
    assert task_error(size, 400, "invalid_size") == "sora-2 size is invalid"
    upstream = session.post(f"{base}/videos", json={"model": "sora-2", "prompt": "p", "seconds": "16"})
    wrapped = json.loads(task_error(upstream, 400, "fail_to_fetch_task"))  # the upstream's own error body
    assert wrapped["error"]["param"] == "seconds" and wrapped["error"]["code"] == "invalid_value"
    own_field = session.post(f"{base}/videos", json={"model": "sora-2", "prompt": "p", "duration": 8})
    assert json.loads(task_error(own_field, 400, "fail_to_fetch_task"))["error"]["param"] == "duration"
    assert SimVideo.objects.count() == 0


def test_relay_hands_out_task_ids_and_has_no_list_or_delete(sim_profile_url):
    base = sim_profile_url("relay")
    session = http()
    response = create(session, base, "relay", size="1280x720")
    assert response.status_code == 200 and "X-Oneapi-Request-Id" in response.headers
    video = response.json()
    assert re.fullmatch(r"task_[A-Za-z0-9]{32}", video["id"]) and video["task_id"] == video["id"]
    assert "prompt" not in video and None not in video.values()  # Go omitempty: no nulls
    row = SimVideo.objects.get(id=video["id"])
    assert row.upstream_id.startswith("video_") and row.upstream_id != video["id"]
    done = wait_done(session, base, video["id"]).json()
    assert (done["id"], done["status"], done["prompt"]) == (video["id"], "completed", "A paper boat on a puddle")
    assert task_error(session.get(f"{base}/videos/task_nope"), 400, "task_not_exist") == "task_not_exist"
    for response in (session.get(f"{base}/videos"), session.delete(f"{base}/videos/{video['id']}")):
        method = response.request.method
        suffix = "" if method == "GET" else f"/{video['id']}"
        assert response.status_code == 404
        assert response.json() == {
            "error": {"message": f"Invalid URL ({method} /v1/videos{suffix})", "type": "invalid_request_error", "param": "", "code": ""}
        }
    content = session.get(f"{base}/videos/{video['id']}/content", params={"variant": "spritesheet"})
    assert content.status_code == 200 and content.headers["content-type"] == "video/mp4"
    missing = session.get(f"{base}/videos/task_nope/content")
    assert (missing.status_code, missing.json()) == (404, {"error": {"message": "Task not found", "type": "invalid_request_error"}})
    assert SimVideo.objects.filter(id=video["id"]).exists()
    assert jobs.wait_idle(30)


def test_relay_content_before_completion_and_remix_with_the_raw_upstream_id(sim_profile_url, settings):
    base = sim_profile_url("relay")
    session = http()
    settings.SIM_RENDER_SECONDS = 60
    slow = created(session, base, "relay")
    response = session.get(f"{base}/videos/{slow['id']}/content")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Task is not completed yet, current status: QUEUED"
    remix = session.post(f"{base}/videos/{slow['id']}/remix", json={"prompt": "again"})
    assert json.loads(task_error(remix, 400, "fail_to_fetch_task"))["error"]["param"] == "video_id"
    settings.SIM_RENDER_SECONDS = 0.0
    source = created(session, base, "relay", prompt="A calm sea")
    wait_done(session, base, source["id"])
    origin = session.post(f"{base}/videos/task_nope/remix", json={"prompt": "again"})
    assert task_error(origin, 400, "task_not_exist") == "task_origin_not_exist"
    empty = session.post(f"{base}/videos/{source['id']}/remix", json={"prompt": ""})
    assert task_error(empty, 400, "invalid_request") == "field prompt is required"
    child = session.post(f"{base}/videos/{source['id']}/remix", json={"prompt": "The same sea in a storm"}).json()
    raw = SimVideo.objects.get(id=source["id"]).upstream_id
    assert child["id"].startswith("task_") and child["remixed_from_video_id"] == raw != source["id"]
    assert session.get(f"{base}/videos/{child['id']}").json()["remixed_from_video_id"] == raw
    assert task_error(session.get(f"{base}/videos/{raw}"), 400, "task_not_exist")  # never this server's id
    SimVideo.objects.filter(pk=SimVideo.objects.get(id=slow["id"]).pk).delete()
    assert jobs.wait_idle(30)


# ---------------------------------------------------------------------------------------------------------------
# Other status words; very long ids
# ---------------------------------------------------------------------------------------------------------------
def test_statuswords_says_pending_processing_done(sim_profile_url, settings):
    settings.SIM_RENDER_SECONDS = 1.0
    base = sim_profile_url("statuswords")
    session = http()
    video = created(session, base, "statuswords")
    assert video["status"] == "pending"
    seen = [video["status"]]  # the create's own answer: polls may start once it is already processing
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = session.get(f"{base}/videos/{video['id']}").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "done":
            break
        time.sleep(0.05)
    assert seen == ["pending", "processing", "done"]
    assert [item["status"] for item in session.get(f"{base}/videos").json()["data"]] == ["done"]
    assert jobs.wait_idle(30)


@pytest.mark.parametrize(("code", "word"), [("cancelled", "cancelled"), ("expired", "expired"), ("internal_error", "failed")])
def test_statuswords_names_some_failures_cancelled_or_expired(sim_profile_url, code, word):
    base = sim_profile_url("statuswords")
    session = http()
    faults.inject("fail_job", code=code)
    video = created(session, base, "statuswords")
    body = wait_done(session, base, video["id"]).json()
    assert body["status"] == word and body["error"]["code"] == code
    assert jobs.wait_idle(30)


def test_statuswords_a_finished_job_whose_content_expired_reads_expired(sim_profile_url):
    base = sim_profile_url("statuswords")
    session = http()
    video = created(session, base, "statuswords")
    assert wait_done(session, base, video["id"]).json()["status"] == "done"
    SimVideo.objects.filter(id=video["id"]).update(expires_at=int(time.time()) - 1)
    assert session.get(f"{base}/videos/{video['id']}").json()["status"] == "expired"
    assert session.get(f"{base}/videos/{video['id']}/content").status_code == 404
    assert jobs.wait_idle(30)


def test_longids_are_opaque_1000_plus_characters_and_remixes_name_the_raw_id(sim_profile_url):
    base = sim_profile_url("longids")
    session = http()
    video = created(session, base, "longids", prompt="A calm sea")
    assert len(video["id"]) >= 1000 and re.fullmatch(r"video_[A-Za-z0-9_-]+", video["id"])
    assert wait_done(session, base, video["id"]).json()["status"] == "completed"
    assert session.get(f"{base}/videos/{video['id']}/content", params={"variant": "thumbnail"}).status_code == 200
    child = session.post(f"{base}/videos/{video['id']}/remix", json={"prompt": "A storm"}).json()
    raw = SimVideo.objects.get(id=video["id"]).upstream_id
    assert len(child["id"]) >= 1000 and child["id"] != video["id"]
    assert re.fullmatch(r"video_[0-9a-f]{48}", child["remixed_from_video_id"]) and child["remixed_from_video_id"] == raw
    assert session.get(f"{base}/videos/{raw}").status_code == 404  # the raw id is not this server's
    page = session.get(f"{base}/videos", params={"limit": 1}).json()
    assert page["first_id"] == child["id"] and page["has_more"] is True
    page = session.get(f"{base}/videos", params={"limit": 1, "after": page["last_id"]}).json()
    assert [item["id"] for item in page["data"]] == [video["id"]]
    wait_done(session, base, child["id"])
    assert session.delete(f"{base}/videos/{child['id']}").json() == {"id": child["id"], "object": "video.deleted", "deleted": True}
    assert jobs.wait_idle(30)


# ---------------------------------------------------------------------------------------------------------------
# Webhooks: only where the server has them, naming the job by the id that server gave
# ---------------------------------------------------------------------------------------------------------------
def test_webhooks_follow_the_profile(sim_profile_url, settings):
    hook = WebhookReceiver()
    try:
        settings.SIM_WEBHOOK_URL = hook.url
        settings.SIM_WEBHOOK_SECRET = WEBHOOK_SECRET
        session = http()
        long_video = created(session, sim_profile_url("longids"), "longids")
        for profile in ("vllm-omni", "relay"):
            quiet = created(session, sim_profile_url(profile), profile)
            assert wait_done(session, sim_profile_url(profile), quiet["id"]).json()["status"] == "completed"
        headers, body = hook.wait_for(1)[0]
        assert signing.verify(WEBHOOK_SECRET, headers, body)["data"] == {"id": long_video["id"]}
        assert jobs.wait_idle(30)
        assert len(hook.requests) == 1  # none for the servers without webhooks
        assert list(SimWebhookDelivery.objects.values_list("video_id", flat=True)) == [long_video["id"]]
    finally:
        assert jobs.wait_idle(30)
        hook.close()
