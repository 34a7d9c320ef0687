"""Archived files served with access checks, and the live-progress JSON."""


from __future__ import annotations

from django.urls import reverse


def test_asset_serves_the_archived_file_to_members(client, alice, project, viewer, make_video):
    video = make_video(project, alice, video=b"\x00\x00\x00\x18ftypmp42")
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
    video = make_video(project, alice, video=b"x")
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
    assert "card" not in data[str(mine.public_id)]  # the video page has no gallery card to refresh


def test_status_renders_cards_for_a_gallery(client, alice, project, make_video):
    video = make_video(project, alice, status="in_progress", progress=42)
    client.force_login(alice)

    data = client.get(reverse("videos:status"), {"ids": str(video.public_id), "cards": "1"}).json()["videos"]

    fragments = data[str(video.public_id)]
    assert 'data-video="%s"' % video.public_id in fragments["card"] and "media" not in fragments


def test_status_refuses_bad_ids_and_needs_login(client, alice):
    assert client.get(reverse("videos:status"), {"ids": "x"}).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("videos:status"), {"ids": "not-a-uuid"}).status_code == 400
    assert client.post(reverse("videos:status")).status_code == 405


def test_staff_who_may_view_videos_get_any_file_and_other_staff_do_not(client, alice, project, charlie, make_video):
    from django.contrib.auth.models import Permission

    video = make_video(project, alice, thumbnail=b"RIFFwebp")
    url = reverse("videos:asset", args=[video.public_id, "thumbnail"])
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    assert client.get(url).status_code == 404  # staff, but without the permission

    charlie.user_permissions.add(Permission.objects.get(codename="view_video"))
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"RIFFwebp"


def _with_reference(video):
    import io

    from assets.services import asset_store
    from tests.conftest import image_bytes

    video.input_fit = "cover"
    video.save(update_fields=["input_fit"])
    asset_store(video=video, kind="reference", content=io.BytesIO(image_bytes()), origin="upload")
    return video


def test_the_reference_image_is_served_to_members_as_png(client, alice, project, viewer, make_video):
    video = _with_reference(make_video(project, alice))
    url = reverse("videos:asset", args=[video.public_id, "reference"])
    client.force_login(viewer)

    r = client.get(url)

    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content).startswith(b"\x89PNG")
    download = client.get(url + "?download=1")
    assert f'filename="sora-{video.public_id}-reference.png"' in download["Content-Disposition"]


def test_the_reference_image_keeps_the_access_checks(client, alice, project, charlie, make_video):
    video = _with_reference(make_video(project, alice))
    url = reverse("videos:asset", args=[video.public_id, "reference"])
    assert client.get(url).status_code == 302
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    no_reference = make_video(project, alice)
    assert client.get(reverse("videos:asset", args=[no_reference.public_id, "reference"])).status_code == 404


def test_the_detail_page_shows_a_thumbnail_of_the_reference(client, alice, project, make_video):
    video = _with_reference(make_video(project, alice))
    client.force_login(alice)

    html = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()

    url = reverse("videos:asset", args=[video.public_id, "reference"])
    assert f'<a href="{url}"' in html and 'class="reference-thumb"' in html
