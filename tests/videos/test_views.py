"""Every video page: it works, it requires login, it hides from outsiders (404), it requires the role (403), it
rejects the wrong method (405)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.videos.conftest import image_bytes
from videos.models import Video


# -- galleries -------------------------------------------------------------------------------------------------
def test_gallery_lists_videos_of_my_projects_only(client, alice, project, charlie, make_video):
    mine = make_video(project, alice, prompt="A kite over the park")
    make_video(charlie.projects.get(), charlie, prompt="Charlie's secret boat")
    client.force_login(alice)

    r = client.get(reverse("videos:gallery"))

    body = r.content.decode()
    assert r.status_code == 200
    assert "A kite over the park" in body and str(mine.public_id) in body
    assert "secret boat" not in body


def test_project_gallery_filters_by_status_model_owner_and_prompt(client, alice, bob, project, make_video):
    make_video(project, alice, prompt="kite at dawn")
    make_video(project, bob, prompt="kite at dusk", status=Video.Status.FAILED)
    make_video(project, alice, prompt="boat at dawn", model="sora-2-pro")
    client.force_login(alice)
    url = reverse("videos:project-gallery", args=[project.public_id])

    def prompts(**params):
        r = client.get(url, params)
        return {v.prompt for v in r.context["videos"]}

    assert prompts() == {"kite at dawn", "kite at dusk", "boat at dawn"}
    assert prompts(q="kite") == {"kite at dawn", "kite at dusk"}
    assert prompts(status="failed") == {"kite at dusk"}
    assert prompts(model="sora-2-pro") == {"boat at dawn"}
    assert prompts(owner="bob") == {"kite at dusk"}
    assert prompts(q="dawn", owner="alice", model="sora-2") == {"kite at dawn"}


def test_gallery_query_count_does_not_grow_with_videos(client, alice, project, make_video, django_assert_max_num_queries):
    for i in range(3):
        make_video(project, alice, prompt=f"few {i}")
    client.force_login(alice)
    url = reverse("videos:project-gallery", args=[project.public_id])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        make_video(project, alice, prompt=f"many {i}", status=Video.Status.IN_PROGRESS, progress=i)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_gallery_hides_a_project_from_outsiders(client, project, charlie):
    client.force_login(charlie)
    assert client.get(reverse("videos:project-gallery", args=[project.public_id])).status_code == 404


# -- create ----------------------------------------------------------------------------------------------------
def _create_url(project):
    return reverse("videos:create", args=[project.public_id])


def _post(client, project, **data):
    payload = {"prompt": "Close-up of a paper boat on a puddle", "model": "sora-2", "size": "720x1280", "seconds": 4}
    payload.update(data)
    return client.post(_create_url(project), payload)


def test_create_form_shows_models_sizes_and_guidance(client, alice, project):
    client.force_login(alice)
    r = client.get(_create_url(project))
    body = r.content.decode()
    assert r.status_code == 200
    assert 'value="sora-2-pro"' in body and "1792 × 1024" in body
    assert "lighting" in body.lower() and 'id="model-table"' in body


def test_create_saves_a_pending_video_and_shows_its_page(client, alice, project):
    client.force_login(alice)

    r = _post(client, project, model="sora-2-pro", size="1792x1024", seconds=8)

    video = Video.objects.get()
    assert r.status_code == 302 and r.url == reverse("videos:detail", args=[video.public_id])
    assert (video.model, video.size, video.seconds, video.status) == ("sora-2-pro", "1792x1024", 8, "pending")
    assert str(video.estimated_cost) == "4.00"  # 8 s × $0.50


def test_create_fits_the_reference_image_to_the_size(client, alice, project):
    from PIL import Image

    client.force_login(alice)
    upload = SimpleUploadedFile("ref.jpg", image_bytes("JPEG", size=(300, 300)), content_type="image/jpeg")

    _post(client, project, input_reference=upload, input_fit="contain", size="1280x720")

    video = Video.objects.get()
    with video.input_reference.open("rb") as fh:
        assert Image.open(fh).size == (1280, 720)
    assert video.input_fit == "contain"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"prompt": "   "}, "prompt", "prompt is empty"),
        ({"prompt": "x" * 32001}, "prompt", "32000"),
        ({"model": "sora-2", "size": "1792x1024"}, "size", "pick one of those"),
        ({"model": "sora-3"}, "model", "not one of the available choices"),
        ({"seconds": 5}, "seconds", "not one of the available choices"),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(client, alice, project, data, field, message):
    client.force_login(alice)

    r = _post(client, project, **data)

    assert r.status_code == 400
    assert any(message in e for e in r.context["form"].errors[field]), r.context["form"].errors
    assert not Video.objects.exists()


def test_create_refuses_a_text_file_named_png(client, alice, project):
    client.force_login(alice)
    fake = SimpleUploadedFile("ref.png", b"just some text, not an image", content_type="image/png")

    r = _post(client, project, input_reference=fake)

    assert r.status_code == 400
    assert "not a readable JPEG, PNG or WebP" in r.context["form"].errors["input_reference"][0]
    assert not Video.objects.exists()


def test_create_refuses_a_60_megapixel_image(client, alice, project):
    client.force_login(alice)
    # 10000 × 6000 of one colour compresses to a small PNG: only its header says how big it really is.
    big = SimpleUploadedFile("big.png", image_bytes("PNG", size=(10000, 6000), mode="1"), content_type="image/png")

    r = _post(client, project, input_reference=big)

    assert r.status_code == 400
    assert "60 megapixels" in r.context["form"].errors["input_reference"][0]
    assert not Video.objects.exists()


def test_a_double_clicked_submit_creates_one_video(client, alice, project):
    import uuid

    client.force_login(alice)
    token = str(uuid.uuid4())

    first = _post(client, project, submit_token=token)
    second = _post(client, project, submit_token=token)

    assert Video.objects.count() == 1
    assert first.url == second.url


def test_create_requires_login(client, project):
    r = client.get(_create_url(project))
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_create_is_404_for_outsiders_and_403_for_viewers(client, project, charlie, viewer):
    client.force_login(charlie)
    assert _post(client, project).status_code == 404
    client.force_login(viewer)
    assert _post(client, project).status_code == 403
    assert client.get(_create_url(project)).status_code == 403
    assert not Video.objects.exists()


def test_create_rejects_put(client, alice, project):
    client.force_login(alice)
    assert client.put(_create_url(project)).status_code == 405


# -- detail ----------------------------------------------------------------------------------------------------
def test_detail_shows_player_downloads_and_remix_countdown(client, alice, project, make_video):
    video = make_video(project, alice, video_file=b"mp4", thumbnail_file=b"webp", spritesheet_file=b"jpg", upstream_id="video_a")
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()

    assert reverse("videos:asset", args=[video.public_id, "video"]) in body
    assert "Spritesheet (JPEG)" in body
    assert "data-deadline" in body and "Remix possible for" in body


def test_detail_says_when_the_remix_window_has_closed(client, alice, project, make_video):
    video = make_video(project, alice, upstream_id="video_old")
    Video.objects.filter(id=video.id).update(created_at=timezone.now() - timedelta(hours=25))
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()

    assert "The remix window has closed" in body and "24 hours" in body
    assert 'class="remix-form"' not in body


def test_detail_shows_the_failure(client, alice, project, make_video):
    video = make_video(project, alice, status="failed", error_code="moderation_blocked", error_message="Blocked by moderation.")
    client.force_login(alice)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "Blocked by moderation." in body and "moderation_blocked" in body and "Retry" in body


def test_viewer_sees_the_video_but_no_write_buttons(client, alice, project, viewer, make_video):
    video = make_video(project, alice, upstream_id="video_v")
    client.force_login(viewer)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "ask an owner for the editor role" in body
    assert reverse("videos:delete", args=[video.public_id]) not in body


# -- writes: access matrix -------------------------------------------------------------------------------------
WRITES = ["remix", "delete", "retry"]


@pytest.mark.parametrize("name", WRITES + ["detail", "asset"])
def test_outsiders_get_404_for_everything(client, alice, project, charlie, make_video, name):
    video = make_video(project, alice, status="failed", video_file=b"x")
    client.force_login(charlie)
    if name == "asset":
        r = client.get(reverse("videos:asset", args=[video.public_id, "video"]))
    elif name == "detail":
        r = client.get(reverse("videos:detail", args=[video.public_id]))
    else:
        r = client.post(reverse(f"videos:{name}", args=[video.public_id]), {"prompt": "x", "variations": 1})
    assert r.status_code == 404
    assert Video.objects.count() == 1


@pytest.mark.parametrize("name", WRITES)
def test_viewers_get_403_for_writes(client, alice, project, viewer, make_video, name):
    video = make_video(project, alice, status="failed")
    client.force_login(viewer)
    r = client.post(reverse(f"videos:{name}", args=[video.public_id]), {"prompt": "x", "variations": 1})
    assert r.status_code == 403
    assert Video.objects.count() == 1


@pytest.mark.parametrize("name", WRITES)
def test_writes_require_login_and_post(client, alice, project, make_video, name):
    video = make_video(project, alice, status="failed")
    url = reverse(f"videos:{name}", args=[video.public_id])
    assert client.post(url).status_code == 302
    client.force_login(alice)
    assert client.get(url).status_code == 405


# -- remix -----------------------------------------------------------------------------------------------------
def _remix(client, video, prompt="Same shot, add morning fog", variations=1):
    return client.post(reverse("videos:remix", args=[video.public_id]), {"prompt": prompt, "variations": variations}, follow=True)


def test_remix_makes_children_that_inherit_the_parent_settings(client, alice, bob, project, make_video):
    parent = make_video(project, alice, model="sora-2-pro", size="1024x1792", seconds=12, upstream_id="video_p")
    client.force_login(bob)

    r = _remix(client, parent, variations=3)

    children = list(Video.objects.filter(remixed_from=parent))
    assert len(children) == 3
    assert {(c.model, c.size, c.seconds, c.owner.username) for c in children} == {("sora-2-pro", "1024x1792", 12, "bob")}
    assert "Remix started (3 variations)" in r.content.decode()


def test_remix_warns_gently_about_several_changes(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(alice)
    r = _remix(client, parent, prompt="Add fog, and make it night, and add a dog, then zoom in")
    assert "one change at a time" in r.content.decode()
    assert Video.objects.filter(remixed_from=parent).count() == 1


@pytest.mark.parametrize(
    "state, message",
    [
        ({"status": "failed"}, "Only a completed video can be remixed."),
        ({"status": "in_progress", "progress": 30}, "Only a completed video can be remixed."),
        ({"expired": True}, "Remixing is allowed for 24 hours"),
    ],
)
def test_remix_refuses_videos_that_cannot_be_remixed(client, alice, project, make_video, state, message):
    expired = state.pop("expired", False)
    parent = make_video(project, alice, upstream_id="video_p", **state)
    if expired:
        Video.objects.filter(id=parent.id).update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    client.force_login(alice)

    r = _remix(client, parent)

    assert message in r.content.decode()
    assert not Video.objects.filter(remixed_from=parent).exists()


def test_remix_refuses_an_empty_prompt(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(alice)
    r = _remix(client, parent, prompt="  ")
    assert "the prompt is empty" in r.content.decode()
    assert not Video.objects.filter(remixed_from=parent).exists()


# -- delete and retry ------------------------------------------------------------------------------------------
def test_delete_removes_a_video_that_never_reached_upstream(client, alice, project, make_video):
    video = make_video(project, alice, status="failed", video_file=b"x")
    name = video.video_file.name
    client.force_login(alice)

    r = client.post(reverse("videos:delete", args=[video.public_id]))

    assert r.status_code == 302 and not Video.objects.exists()


def test_delete_refuses_a_video_still_rendering(client, alice, project, make_video):
    video = make_video(project, alice, status="in_progress", progress=50, upstream_id="video_r")
    client.force_login(alice)
    r = client.post(reverse("videos:delete", args=[video.public_id]), follow=True)
    assert "still being made" in r.content.decode()
    assert Video.objects.filter(id=video.id).exists()


def test_retry_makes_a_fresh_video_with_the_same_settings(client, alice, project, make_video):
    failed = make_video(project, alice, status="failed", model="sora-2-pro", size="1792x1024", seconds=8)
    client.force_login(alice)

    r = client.post(reverse("videos:retry", args=[failed.public_id]))

    fresh = Video.objects.exclude(id=failed.id).get()
    assert r.url == reverse("videos:detail", args=[fresh.public_id])
    assert (fresh.model, fresh.size, fresh.seconds, fresh.status) == ("sora-2-pro", "1792x1024", 8, "pending")


def test_retry_refuses_a_completed_video(client, alice, project, make_video):
    video = make_video(project, alice)
    client.force_login(alice)
    r = client.post(reverse("videos:retry", args=[video.public_id]), follow=True)
    assert "Only a failed video can be retried." in r.content.decode()
    assert Video.objects.count() == 1


# -- assets and status -----------------------------------------------------------------------------------------
def test_asset_serves_the_archived_file_to_members(client, alice, project, viewer, make_video):
    video = make_video(project, alice, video_file=b"\x00\x00\x00\x18ftypmp42")
    client.force_login(viewer)

    r = client.get(reverse("videos:asset", args=[video.public_id, "video"]) + "?download=1")

    assert r.status_code == 200 and r["Content-Type"] == "video/mp4"
    assert b"".join(r.streaming_content) == b"\x00\x00\x00\x18ftypmp42"
    assert "attachment" in r["Content-Disposition"]


def test_asset_is_404_for_unknown_variant_or_missing_file(client, alice, project, make_video):
    video = make_video(project, alice)
    client.force_login(alice)
    assert client.get(reverse("videos:asset", args=[video.public_id, "thumbnail"])).status_code == 404
    assert client.get(reverse("videos:asset", args=[video.public_id, "secrets"])).status_code == 404


def test_asset_requires_login_and_get(client, alice, project, make_video):
    video = make_video(project, alice, video_file=b"x")
    url = reverse("videos:asset", args=[video.public_id, "video"])
    assert client.get(url).status_code == 302
    client.force_login(alice)
    assert client.post(url).status_code == 405


def test_status_reports_progress_of_visible_videos_only(client, alice, project, charlie, make_video):
    mine = make_video(project, alice, status="in_progress", progress=42)
    theirs = make_video(charlie.projects.get(), charlie, status="in_progress", progress=7)
    client.force_login(alice)

    r = client.get(reverse("videos:status"), {"ids": f"{mine.public_id},{theirs.public_id}", "media": "1"})

    data = r.json()["videos"]
    assert list(data) == [str(mine.public_id)]
    assert data[str(mine.public_id)]["progress"] == 42
    assert 'aria-valuenow="42"' in data[str(mine.public_id)]["bar"]
    assert "data-media-for" in data[str(mine.public_id)]["media"]


def test_status_refuses_bad_ids_and_needs_login(client, alice):
    assert client.get(reverse("videos:status"), {"ids": "x"}).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("videos:status"), {"ids": "not-a-uuid"}).status_code == 400
    assert client.post(reverse("videos:status")).status_code == 405
