"""A stored file gone from storage (the asset row is still there): the file answers 404 and the video page shows a
clear "file missing" state instead of a dead player; galleries do not look at storage at all (issue item 13)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.functional import empty


def _lose_the_mp4(video):
    asset = video.assets.get(kind="video")
    asset.file.storage.delete(asset.file.name)
    assert not default_storage.exists(asset.file.name)


def test_the_missing_file_answers_404(client, alice, project, make_video):
    video = make_video(project, alice, video=b"mp4", thumbnail=b"webp", upstream_id="v")
    _lose_the_mp4(video)
    client.force_login(alice)
    for suffix in ("", "?download=1"):
        assert client.get(reverse("videos:asset", args=[video.public_id, "video"]) + suffix).status_code == 404
    assert client.get(reverse("videos:asset", args=[video.public_id, "thumbnail"])).status_code == 200


def test_the_video_page_says_the_file_is_missing_instead_of_showing_a_player(client, alice, project, make_video):
    video = make_video(project, alice, video=b"mp4", thumbnail=b"webp", upstream_id="v")
    _lose_the_mp4(video)
    client.force_login(alice)

    r = client.get(reverse("videos:detail", args=[video.public_id]))

    body = r.content.decode()
    assert r.status_code == 200
    assert "data-file-missing" in body and "The video file is missing" in body
    assert "data-player" not in body
    assert reverse("videos:asset", args=[video.public_id, "video"]) not in body  # no dead player, no dead download
    assert "Thumbnail (WebP)" in body  # what is still there stays offered


def test_a_remix_of_a_video_whose_file_is_missing_explains_the_missing_comparison(client, alice, project, make_video):
    parent = make_video(project, alice, video=b"mp4", upstream_id="p")
    child = make_video(project, alice, video=b"mp4", remixed_from=parent, upstream_id="c")
    _lose_the_mp4(parent)
    client.force_login(alice)
    body = client.get(reverse("videos:detail", args=[child.public_id])).content.decode()
    assert "data-compare" not in body and "the parent's is missing" in body
    assert "data-player" in body  # the remix's own file is fine


def test_only_the_video_page_checks_storage(client, alice, project, make_video, monkeypatch):
    for n in range(3):
        make_video(project, alice, video=b"mp4", thumbnail=b"webp", upstream_id=f"v{n}")
    calls = []
    storage = (
        default_storage._wrapped
        if default_storage._wrapped is not empty
        else (default_storage._setup() or default_storage._wrapped)
    )
    real = storage.exists
    monkeypatch.setattr(storage, "exists", lambda name: calls.append(name) or real(name))
    client.force_login(alice)

    assert client.get(reverse("videos:gallery")).status_code == 200
    assert client.get(reverse("videos:project-gallery", args=[project.public_id])).status_code == 200
    assert calls == []
    video = make_video(project, alice, video=b"mp4", upstream_id="v9")
    calls.clear()  # saving the file looked too
    assert client.get(reverse("videos:detail", args=[video.public_id])).status_code == 200
    assert len(calls) == 1  # the video page looks, once
