"""The video page: player, downloads, failure, remix window, and what a viewer sees."""


from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from videos.models import Video


def test_detail_shows_player_downloads_and_remix_countdown(client, alice, project, make_video):
    video = make_video(project, alice, video=b"mp4", thumbnail=b"webp", spritesheet=b"jpg", upstream_id="video_a")
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()

    assert reverse("videos:asset", args=[video.public_id, "video"]) in body
    assert "Spritesheet (JPEG)" in body
    # The simulator has edits, so Edit (remix's successor) replaces Remix; the 24 h window is counted down there.
    assert "data-deadline" in body and "Changes possible for" in body
    assert 'class="edit-form"' in body and 'class="remix-form"' not in body


def test_detail_says_when_the_remix_window_has_closed(client, alice, project, make_video):
    video = make_video(project, alice, upstream_id="video_old")
    Video.objects.filter(id=video.id).update(created_at=timezone.now() - timedelta(hours=25))
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()

    assert "The window for changes has closed" in body and "24 hours" in body
    assert 'class="remix-form"' not in body and 'class="edit-form"' not in body


def test_detail_shows_the_failure(client, alice, project, make_video):
    video = make_video(project, alice, status="failed", error_code="moderation_blocked", error_message="Blocked by moderation.")
    client.force_login(alice)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "Blocked by moderation." in body and "moderation_blocked" in body and "Edit and retry" in body
    assert reverse("videos:retry", args=[video.public_id]) not in body  # the same prompt would be refused again
    assert "not charged (failed)" in body and "(estimate)" not in body


def test_viewer_sees_the_video_but_no_write_buttons(client, alice, project, viewer, make_video):
    video = make_video(project, alice, upstream_id="video_v")
    client.force_login(viewer)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "ask an owner for the editor role" in body
    assert reverse("videos:delete", args=[video.public_id]) not in body


def test_delete_is_offered_only_when_the_video_is_not_being_made(client, alice, project, make_video):
    client.force_login(alice)
    for status, offered in (("pending", True), ("in_progress", False), ("archiving", False), ("failed", True)):
        video = make_video(project, alice, status=status)
        body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
        assert (reverse("videos:delete", args=[video.public_id]) in body) is offered, status
