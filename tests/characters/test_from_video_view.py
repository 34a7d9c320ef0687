"""“Make a character from this video”: the first seconds of a completed video join its project's cast."""

from __future__ import annotations

import pytest
from django.urls import reverse

from characters.models import Character
from videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(alice, project, make_video, clip_files):
    return make_video(project, alice, seconds=8, video=clip_files("long").read_bytes())


def url(video):
    return reverse("characters:from-video", args=[video.public_id])


def test_it_works(client, bob, video, project):
    client.force_login(bob)
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "Make a character from this video" in page and url(video) in page
    response = client.post(url(video), {"name": "Kite"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("characters:cast", args=[project.public_id])
    assert "Kite joined the cast" in response.content.decode()
    kite = Character.objects.get()
    assert kite.source_video == video and kite.project == project and kite.created_by == bob


def test_a_refusal_says_why_on_the_video_page(client, alice, project, make_video):
    unsaved = make_video(project, alice)
    client.force_login(alice)
    response = client.post(url(unsaved), {"name": "Kite"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("videos:detail", args=[unsaved.public_id])
    assert "No character was made: This video&#x27;s MP4 is not saved in the studio yet" in response.content.decode()
    assert not Character.objects.exists()


def test_the_form_is_offered_to_editors_of_saved_videos_only(client, viewer, alice, project, make_video, video):
    rendering = make_video(project, alice, status=Video.Status.IN_PROGRESS, progress=40)
    client.force_login(alice)
    assert url(rendering) not in client.get(reverse("videos:detail", args=[rendering.public_id])).content.decode()
    client.force_login(viewer)
    assert url(video) not in client.get(reverse("videos:detail", args=[video.public_id])).content.decode()


def test_it_requires_login(client, video):
    assert client.post(url(video), {"name": "Kite"}).status_code == 302
    assert not Character.objects.exists()


def test_it_checks_membership(client, charlie, video):
    client.force_login(charlie)
    assert client.post(url(video), {"name": "Kite"}).status_code == 404
    assert not Character.objects.exists()


def test_it_requires_editor_role(client, viewer, video):
    client.force_login(viewer)
    assert client.post(url(video), {"name": "Kite"}).status_code == 403
    assert not Character.objects.exists()


def test_it_rejects_get(client, alice, video):
    client.force_login(alice)
    assert client.get(url(video)).status_code == 405
