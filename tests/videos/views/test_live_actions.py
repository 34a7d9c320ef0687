"""The video page's actions follow the video's state live (the status endpoint sends them with the player area):
Cancel while it waits or renders, Delete once nothing is being made, Retry after a failure; none for viewers."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _actions(client, video) -> str:
    r = client.get(reverse("videos:status"), {"ids": str(video.public_id), "media": "1"})
    assert r.status_code == 200
    return r.json()["videos"][str(video.public_id)]["actions"]


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        ("pending", {"/cancel/", "/delete/"}, {"/retry/"}),
        ("submitting", set(), {"/cancel/", "/delete/", "/retry/"}),
        ("in_progress", {"/cancel/"}, {"/delete/", "/retry/"}),
        ("archiving", set(), {"/cancel/", "/delete/"}),
        ("completed", {"/delete/"}, {"/cancel/", "/retry/"}),
        ("failed", {"/delete/", "/retry/"}, {"/cancel/"}),
        ("cancelled", {"/delete/"}, {"/cancel/", "/retry/"}),
    ],
)
def test_the_actions_follow_the_state(client, alice, project, make_video, status, shown, hidden):
    video = make_video(project, alice, status=status, upstream_id="video_x" if status != "pending" else None)
    client.force_login(alice)

    html = _actions(client, video)

    assert all(path in html for path in shown), html
    assert not any(path in html for path in hidden), html
    assert f'data-status="{status}"' in html


def test_viewers_get_no_actions(client, alice, viewer, project, make_video):
    video = make_video(project, alice, status="in_progress", upstream_id="video_v")
    client.force_login(viewer)
    assert "<form" not in _actions(client, video)
