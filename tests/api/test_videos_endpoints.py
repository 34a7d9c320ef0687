"""/v1/videos with Django's test client: the contract's objects, ids, pagination, content from the archive, and
every refusal in the envelope with nothing created or charged."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from api import payloads
from quotas.models import QuotaCharge, QuotaRule
from tests.api.conftest import ApiClient, make_token
from tests.conftest import image_bytes
from videos.models import Video

pytestmark = pytest.mark.django_db
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200


@pytest.fixture
def api(alice, project, seeded_models):
    return ApiClient(make_token(alice, project)[1])


def _files(**extra) -> dict:
    return {"video": MP4, "thumbnail": b"RIFF\x00\x00\x00\x00WEBPVP8 thumb", "spritesheet": b"\xff\xd8\xff sheet", **extra}


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- retrieve ----------------------------------------------------------------------------------------------------
def test_retrieve_gives_the_contract_object_with_our_own_id(api, alice, project, make_video):
    video = make_video(project, alice, upstream_id="video_upstream_secret_123", **_files())

    r = api.get(f"/v1/videos/{payloads.video_id(video)}")

    assert r.status_code == 200
    body = r.json()
    assert body["id"] == payloads.video_id(video) and len(body["id"]) == len("video_") + 48
    assert int(body["id"][6:14], 16) == body["created_at"] == int(video.created_at.timestamp())
    assert (body["object"], body["status"], body["progress"], body["seconds"], body["size"]) == (
        "video", "completed", 100, "4", "1280x720")  # fmt: skip
    assert body["expires_at"] is None and body["error"] is None and body["remixed_from_video_id"] is None
    assert "upstream_secret" not in r.content.decode()
    assert "openai-poll-after-ms" not in r


def test_retrieve_of_an_unfinished_video_says_when_to_poll(api, alice, project, make_video, settings):
    video = make_video(project, alice, status=Video.Status.PENDING)

    r = api.get(f"/v1/videos/{payloads.video_id(video)}")

    assert r.json()["status"] == "queued" and r.json()["progress"] == 0
    assert int(r["openai-poll-after-ms"]) == int(settings.POLL_MIN_SECONDS * 1000)


@pytest.mark.parametrize("status, word", [("failed", "failed"), ("cancelled", "failed"), ("archiving", "in_progress")])
def test_retrieve_maps_the_studios_states(api, alice, project, make_video, status, word):
    video = make_video(project, alice, status=status, error_code="moderation_blocked" if status == "failed" else "")

    body = api.get(f"/v1/videos/{payloads.video_id(video)}").json()

    assert body["status"] == word
    if word == "failed":
        assert body["error"]["code"] == ("moderation_blocked" if status == "failed" else "cancelled")


def test_an_unknown_foreign_or_upstream_id_is_404(api, alice, charlie, make_video):
    from accounts.models import Project

    theirs = make_video(Project.objects.get(memberships__user=charlie), charlie)
    mine = make_video(alice.projects.get(is_personal=False), alice, upstream_id="video_" + "a" * 48)
    forged = payloads.video_id(mine)[:-1] + ("0" if payloads.video_id(mine)[-1] != "0" else "1")

    for video_id in (payloads.video_id(theirs), "video_" + "0" * 48, "video_abc", mine.upstream_id, forged,
                     str(mine.public_id)):  # fmt: skip
        error = _error(api.get(f"/v1/videos/{video_id}"), 404)
        assert error["param"] == "video_id"


def test_a_video_of_my_other_project_is_404_for_this_token(api, alice, make_video):
    personal = alice.projects.get(is_personal=True)
    video = make_video(personal, alice)

    _error(api.get(f"/v1/videos/{payloads.video_id(video)}"), 404)


# --- list --------------------------------------------------------------------------------------------------------
def test_list_pages_with_after_limit_and_order(api, alice, bob, project, make_video):
    videos = [make_video(project, alice if i % 2 else bob, prompt=f"shot {i}") for i in range(5)]
    ids = [payloads.video_id(v) for v in videos]

    first = api.get("/v1/videos", {"limit": 2}).json()
    second = api.get("/v1/videos", {"limit": 2, "after": first["last_id"]}).json()
    third = api.get("/v1/videos", {"limit": 2, "after": second["last_id"]}).json()
    oldest = api.get("/v1/videos", {"limit": 10, "order": "asc"}).json()

    newest_first = list(reversed(ids))
    assert [v["id"] for v in first["data"] + second["data"] + third["data"]] == newest_first
    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)
    assert first["first_id"] == newest_first[0] and third["last_id"] == ids[0]
    assert [v["id"] for v in oldest["data"]] == ids and oldest["has_more"] is False


def test_list_shows_only_the_tokens_project(api, alice, make_video):
    make_video(alice.projects.get(is_personal=True), alice)

    assert api.get("/v1/videos").json()["data"] == []


@pytest.mark.parametrize("params, param", [({"limit": 101}, "limit"), ({"limit": -1}, "limit"), ({"limit": "x"}, "limit"),
                                           ({"order": "up"}, "order"), ({"after": "video_nope"}, "after")])  # fmt: skip
def test_list_refuses_bad_queries(api, params, param):
    assert _error(api.get("/v1/videos", params), 400)["param"] == param


# --- content -----------------------------------------------------------------------------------------------------
def test_content_serves_every_variant_from_the_archive_with_ranges(api, alice, project, make_video):
    video = make_video(project, alice, **_files())
    url = f"/v1/videos/{payloads.video_id(video)}/content"

    for variant, mime in (("video", "video/mp4"), ("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")):
        r = api.get(url, {"variant": variant})
        assert r.status_code == 200 and r["Content-Type"] == mime
        assert b"".join(r.streaming_content) == _files()[variant]
    r = api.get(url, headers={"Range": "bytes=4-11"})
    assert r.status_code == 206 and b"".join(r.streaming_content) == MP4[4:12]


def test_content_is_not_ready_until_archived(api, alice, project, make_video):
    archiving = make_video(project, alice, status=Video.Status.ARCHIVING, progress=100)
    rendering = make_video(project, alice, status=Video.Status.IN_PROGRESS, progress=40)

    for video in (archiving, rendering):
        error = _error(api.get(f"/v1/videos/{payloads.video_id(video)}/content"), 404)
        assert error["message"].startswith("Video is not ready yet")


def test_content_refuses_an_unknown_variant(api, alice, project, make_video):
    video = make_video(project, alice, **_files())

    assert _error(api.get(f"/v1/videos/{payloads.video_id(video)}/content", {"variant": "gif"}), 400)["param"] == "variant"


# --- delete ------------------------------------------------------------------------------------------------------
def test_delete_removes_a_finished_video(api, alice, project, make_video):
    video = make_video(project, alice, **_files())
    video_id = payloads.video_id(video)

    r = api.delete(f"/v1/videos/{video_id}")

    assert r.json() == {"id": video_id, "object": "video.deleted", "deleted": True}
    assert not Video.objects.filter(id=video.id).exists()
    _error(api.get(f"/v1/videos/{video_id}"), 404)


def test_delete_of_an_unfinished_video_is_400(api, alice, project, make_video):
    video = make_video(project, alice, status=Video.Status.IN_PROGRESS, upstream_id="video_up_1")

    assert _error(api.delete(f"/v1/videos/{payloads.video_id(video)}"), 400)["param"] == "video_id"
    assert Video.objects.filter(id=video.id, deleted_at__isnull=True).exists()


def test_a_viewer_cannot_delete(viewer, alice, project, make_video):
    video = make_video(project, alice, **_files())
    api = ApiClient(make_token(viewer, project)[1])

    assert _error(api.delete(f"/v1/videos/{payloads.video_id(video)}"), 403)["code"] == "insufficient_role"
    assert Video.objects.filter(id=video.id).exists()


# --- create: bad bodies change nothing ---------------------------------------------------------------------------
BAD_BODIES = [
    ({}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({"prompt": "x" * 32001}, "prompt"),
    ({"prompt": 5}, "prompt"),
    ({"prompt": "A kite", "model": "dall-e-3"}, "model"),
    ({"prompt": "A kite", "size": "1920x1080"}, "size"),
    ({"prompt": "A kite", "model": "sora-2", "size": "1792x1024"}, "size"),
    ({"prompt": "A kite", "seconds": 8}, "seconds"),
    ({"prompt": "A kite", "seconds": "5"}, "seconds"),
    ({"prompt": "A kite", "n": 2}, "n"),
    ({"prompt": "A kite", "input_reference": "abc"}, "input_reference"),
    ({"prompt": "A kite", "input_reference": {"image_url": "https://example.com/a.png"}}, "input_reference"),
    ({"prompt": "A kite", "input_reference": {"file_id": "file_1", "image_url": "data:,"}}, "input_reference"),
    ({"prompt": "A kite", "input_reference": {"file_id": "file_1"}}, "input_reference"),
    ({"prompt": "A kite", "characters": [{"id": "char_1"}]}, "characters"),
    ({"prompt": "A kite", "remix_video_id": "video_" + "0" * 48}, "remix_video_id"),
]


@pytest.mark.parametrize("body, param", BAD_BODIES)
def test_create_refuses_a_body_that_breaks_the_contract(api, project, body, param):
    r = api.post("/v1/videos", json_body=body)

    error = _error(r, 404 if param == "remix_video_id" else 400)
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert not Video.objects.exists() and not QuotaCharge.objects.exists()


def test_create_refuses_an_integer_seconds_with_the_contracts_words(api):
    error = _error(api.post("/v1/videos", json_body={"prompt": "A kite", "seconds": 8}), 400)

    assert error["message"] == (
        "Invalid type for 'seconds': expected one of '4', '8', or '12', but got an integer instead."
    )


def test_create_refuses_a_reference_of_the_wrong_size_or_kind(api):
    wrong = io.BytesIO(image_bytes("PNG", size=(64, 36)))
    wrong.name = "ref.png"
    r = api.post("/v1/videos", {"prompt": "A kite", "size": "1280x720", "input_reference": wrong})
    assert _error(r, 400)["message"] == "Inpaint image must match the requested width and height"

    gif = io.BytesIO(image_bytes("GIF", size=(1280, 720)))
    gif.name = "ref.gif"
    r = api.post("/v1/videos", {"prompt": "A kite", "size": "1280x720", "input_reference": gif})
    assert _error(r, 400)["code"] == "invalid_image_format"
    assert not Video.objects.exists()


@override_settings(API_UPLOAD_MAX_BYTES=2048)
def test_create_refuses_an_oversized_upload(api):
    big = io.BytesIO(image_bytes("PNG", size=(1280, 720), color=(1, 2, 3)) + b"\x00" * 4096)
    big.name = "ref.png"

    error = _error(api.post("/v1/videos", {"prompt": "A kite", "size": "1280x720", "input_reference": big}), 400)

    assert (error["param"], error["code"]) == ("input_reference", "file_too_large")
    assert not Video.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_create_refuses_a_form_too_large_with_413(api):
    error = _error(api.post("/v1/videos", {"prompt": "A kite " * 500}), 413)

    assert "too large" in error["message"]
    assert not Video.objects.exists()


# --- create: accepted ---------------------------------------------------------------------------------------------
def test_create_json_makes_a_video_recorded_as_made_by_token(api, alice, project):
    r = api.post("/v1/videos", json_body={"prompt": "A kite over a park", "size": "1280x720", "seconds": "8"})

    assert r.status_code == 200, r.content
    video = Video.objects.get()
    assert (video.project, video.owner, video.created_by, video.created_via) == (project, alice, alice, "token")
    assert (video.size, video.seconds, video.model) == ("1280x720", 8, "sora-2")
    body = r.json()
    assert body["id"] == payloads.video_id(video) and body["status"] == "queued" and body["seconds"] == "8"
    assert QuotaCharge.objects.filter(item_id=video.id, user=alice).exists()


def test_create_multipart_with_an_input_reference(api):
    ref = io.BytesIO(image_bytes("PNG", size=(720, 1280)))
    ref.name = "first-frame.png"

    r = api.post("/v1/videos", {"prompt": "A kite", "input_reference": ref})

    assert r.status_code == 200, r.content
    video = Video.objects.get()
    assert video.size == "720x1280" and video.asset_map["reference"].content_type == "image/png"


def test_create_with_a_data_url_reference(api):
    import base64

    data = base64.b64encode(image_bytes("JPEG", size=(1280, 720))).decode()

    r = api.post("/v1/videos", json_body={"prompt": "A kite", "size": "1280x720",
                                          "input_reference": {"image_url": f"data:image/jpeg;base64,{data}"}})  # fmt: skip

    assert r.status_code == 200, r.content
    assert "reference" in Video.objects.get().asset_map


def test_create_with_remix_video_id_is_a_remix(api, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_up_parent", **_files())

    r = api.post("/v1/videos", json_body={"prompt": "Same, at night", "remix_video_id": payloads.video_id(parent)})

    assert r.status_code == 200, r.content
    child = Video.objects.exclude(id=parent.id).get()
    assert (child.remixed_from, child.operation, child.size) == (parent, "remix", parent.size)
    assert r.json()["remixed_from_video_id"] == payloads.video_id(parent)


def test_remix_route(api, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_up_parent", **_files())

    r = api.post(f"/v1/videos/{payloads.video_id(parent)}/remix", json_body={"prompt": "Same, in the rain"})

    assert r.status_code == 200, r.content
    assert Video.objects.get(remixed_from=parent).created_via == "token"


def test_remix_of_an_unfinished_video_is_400(api, alice, project, make_video):
    parent = make_video(project, alice, status=Video.Status.IN_PROGRESS, upstream_id="video_up_2")

    error = _error(api.post(f"/v1/videos/{payloads.video_id(parent)}/remix", json_body={"prompt": "x"}), 400)

    assert error["param"] == "video_id" and "completed" in error["message"]
    assert Video.objects.count() == 1


def test_edits_and_extensions(api, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_up_parent", **_files())
    ref = {"id": payloads.video_id(parent)}

    edit = api.post("/v1/videos/edits", json_body={"prompt": "Make it snow", "video": ref})
    extension = api.post("/v1/videos/extensions", json_body={"prompt": "Keep flying", "video": ref, "seconds": "8"})

    assert edit.status_code == extension.status_code == 200, (edit.content, extension.content)
    assert extension.json()["seconds"] == "12"
    assert sorted(Video.objects.filter(remixed_from=parent).values_list("operation", flat=True)) == ["edit", "extend"]
    bad = api.post("/v1/videos/extensions", json_body={"prompt": "x", "video": ref, "seconds": "7"})
    assert _error(bad, 400)["param"] == "seconds"
    assert _error(api.post("/v1/videos/edits", json_body={"prompt": "x"}), 400)["param"] == "video"


# --- quotas ------------------------------------------------------------------------------------------------------
def test_a_quota_refusal_is_429_naming_the_limit_what_is_left_and_when_it_resets(api, alice):
    QuotaRule.objects.create(user=alice, period=QuotaRule.Period.DAY, max_videos=0)

    r = api.post("/v1/videos", json_body={"prompt": "A kite"})

    error = _error(r, 429)
    assert (error["type"], error["code"]) == ("insufficient_quota", "daily_videos_quota_exceeded")
    assert "0 videos" in error["message"] and "left until" in error["message"] and "UTC" in error["message"]
    assert r["x-should-retry"] == "false" and r["x-quota-resets-at"]
    assert not Video.objects.exists() and not QuotaCharge.objects.exists()
