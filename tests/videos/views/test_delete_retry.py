"""Delete and retry."""


from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse

from videos.models import Video


def test_delete_removes_a_video_that_never_reached_upstream(
    client, alice, project, make_video, django_capture_on_commit_callbacks
):
    video = make_video(project, alice, status="failed", video=b"x")
    name = video.asset_map["video"].file.name
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        r = client.post(reverse("videos:delete", args=[video.public_id]))

    assert r.status_code == 302 and not Video.objects.exists()
    assert not default_storage.exists(name)  # its files went with it


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


def test_deleting_a_parent_keeps_its_family_tree(client, alice, project, make_video):
    v1 = make_video(project, alice, prompt="The original kite", video=b"mp4")
    v2 = make_video(project, alice, prompt="add morning fog", remixed_from=v1)
    v3 = make_video(project, alice, prompt="add a heron", remixed_from=v2)
    sibling = make_video(project, alice, prompt="at night", remixed_from=v1)
    client.force_login(alice)

    r = client.post(reverse("videos:delete", args=[v1.public_id]))

    assert r.status_code == 302
    v1.refresh_from_db()
    assert v1.is_deleted and not v1.assets.exists()
    assert client.get(reverse("videos:detail", args=[v1.public_id])).status_code == 404
    assert client.get(reverse("videos:asset", args=[v1.public_id, "video"])).status_code == 404
    gallery = client.get(reverse("videos:gallery"))
    assert {v.prompt for v in gallery.context["videos"]} == {"add morning fog", "add a heron", "at night"}
    page = client.get(reverse("videos:detail", args=[v3.public_id])).content.decode()
    assert "remix, v3" in page and "a deleted video" not in page  # v3's parent (v2) is still there
    assert "v1 · deleted" in page and "Deleted video" in page and "at night" in page
    assert "The original kite" not in page  # a tombstone shows nothing of the deleted video (issue item 5)
    page = client.get(reverse("videos:detail", args=[sibling.public_id])).content.decode()
    assert "a deleted video" in page and "Its parent was deleted." in page
    assert client.post(reverse("videos:remix", args=[v1.public_id]), {"prompt": "x", "variations": 1}).status_code == 404
