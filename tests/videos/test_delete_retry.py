"""Delete and retry."""


from __future__ import annotations


from django.urls import reverse

from videos.models import Video


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
