"""Every write on a video (remix, delete, retry): 404 for outsiders, 403 for viewers, login and POST required."""


from __future__ import annotations

import pytest
from django.urls import reverse

from videos.models import Video

WRITES = ["remix", "delete", "retry"]


@pytest.mark.parametrize("name", WRITES + ["detail", "asset"])
def test_outsiders_get_404_for_everything(client, alice, project, charlie, make_video, name):
    video = make_video(project, alice, status="failed", video=b"x")
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
