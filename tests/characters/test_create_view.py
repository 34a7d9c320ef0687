"""A new character from an uploaded clip: checked (MP4 by its bytes, 2-4 s, 16:9 or 9:16, 720p-1080p, size capped
while the upload streams, a picture-size bomb refused from the headers), then in the cast; refused with the reason
on the page and nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from assets.models import Asset
from characters.models import Character

pytestmark = pytest.mark.django_db


def url(project):
    return reverse("characters:create", args=[project.public_id])


def files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "characters"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_it_works(client, bob, project, upload):
    client.force_login(bob)
    response = client.post(url(project), {"name": "Mika", "clip": upload("portrait")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("characters:cast", args=[project.public_id])
    assert "Mika joined the cast" in response.content.decode()
    mika = Character.objects.get()
    assert (mika.name, mika.created_by, mika.width, mika.height) == ("Mika", bob, 720, 1280)


@pytest.mark.parametrize(
    "clip,message",
    [
        ("png", "not an MP4: the file looks like a PNG image"),
        ("long", "The clip is 8.0 seconds long; a character needs 2 to 4 seconds."),
        ("square", "The clip is 720×720; a character needs 16:9 (landscape) or 9:16 (portrait)."),
        ("bomb", "claims 12000x12000 pixels, over the limit"),
    ],
)
def test_a_bad_clip_is_refused_on_the_page(client, alice, project, upload, settings, clip, message):
    before, assets = files(settings), Asset.objects.count()
    client.force_login(alice)
    response = client.post(url(project), {"name": "Mika", "clip": upload(clip)})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'") and 'value="Mika"' in page
    assert not Character.objects.exists() and Asset.objects.count() == assets and files(settings) == before


def test_an_oversized_clip_is_cut_off_while_it_streams_and_refused(client, alice, project, upload, settings):
    settings.CHARACTER_CLIP_MAX_BYTES = 20_000  # the test clip is about 100 KB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
    before = files(settings)
    client.force_login(alice)
    response = client.post(url(project), {"name": "Mika", "clip": upload("portrait")})
    assert response.status_code == 400
    assert "a character clip may be at most 20,000 bytes" in response.content.decode()
    assert not Character.objects.exists() and files(settings) == before


def test_the_cap_stops_keeping_bytes_past_it():
    """What the page's handler keeps: the cap's worth, then nothing (an OversizedUpload with no bytes)."""
    from config.inputs import CappedUploadHandler, OversizedUpload

    handler = CappedUploadHandler(None, max_bytes=10)
    handler.new_file("clip", "clip.mp4", "video/mp4", 30)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8
    assert handler.receive_data_chunk(b"x" * 8, 8) is None
    oversized = handler.file_complete(16)
    assert isinstance(oversized, OversizedUpload) and oversized.size == 16 and oversized.read() == b""


def test_a_name_already_in_the_cast_is_refused(client, alice, project, upload):
    client.force_login(alice)
    client.post(url(project), {"name": "Mika", "clip": upload("portrait")})
    response = client.post(url(project), {"name": "MIKA", "clip": upload("landscape")})
    assert response.status_code == 400 and "already has a character called" in response.content.decode()
    assert Character.objects.count() == 1


def test_it_requires_login(client, project, upload):
    assert client.post(url(project), {"name": "Mika", "clip": upload("portrait")}).status_code == 302
    assert not Character.objects.exists()


def test_it_checks_membership(client, charlie, project, upload):
    client.force_login(charlie)
    assert client.post(url(project), {"name": "Mika", "clip": upload("portrait")}).status_code == 404
    assert not Character.objects.exists()


def test_it_requires_editor_role(client, viewer, project, upload):
    client.force_login(viewer)
    assert client.post(url(project), {"name": "Mika", "clip": upload("portrait")}).status_code == 403
    assert not Character.objects.exists()


def test_it_rejects_get(client, alice, project):
    client.force_login(alice)
    assert client.get(url(project)).status_code == 405


def test_a_name_no_database_can_store_is_refused(client, alice, project, upload):
    client.force_login(alice)
    response = client.post(url(project), {"name": "Mi\x00ka", "clip": upload("portrait")})
    assert response.status_code == 400 and "cannot store" in response.content.decode()
    assert not Character.objects.exists()
