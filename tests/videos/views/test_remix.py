"""Remix: children inherit the parent settings, several variations at once, the gentle hint, and refusals."""


from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from videos.models import Video


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


def test_variations_are_told_apart_in_the_lineage(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(alice)

    r = _remix(client, parent, prompt="Same shot, at night", variations=3)

    body = r.content.decode()  # the first variation's page
    assert "variation 1" in body and "variation 2" in body and "variation 3" in body
