"""The project page's export: the owner downloads the whole project as one streamed zip; other members get 403,
outsiders 404; each download is in the audit log."""

from __future__ import annotations

import io
import zipfile

from django.core.management import call_command
from django.urls import reverse

from audit.models import Entry
from tests.transfer.helpers import JPEG, MP4, PNG, WEBP


def url(project) -> str:
    return reverse("transfer:project-export", args=[project.public_id])


def test_it_works(client, alice, project, make_video):
    video = make_video(project, alice, video=MP4, thumbnail=WEBP, spritesheet=JPEG, reference=PNG)
    client.force_login(alice)

    r = client.get(url(project))

    assert r.status_code == 200 and r.streaming
    assert r["Content-Disposition"].startswith('attachment; filename="launch-film-')
    with zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert archive.read(f"videos/{video.public_id}/video.mp4") == MP4
        assert archive.getinfo(f"videos/{video.public_id}/video.mp4").compress_type == zipfile.ZIP_STORED
    assert names[0] == "project.json" and len(names) == 5
    entry = Entry.objects.get(action="project.export")
    assert (entry.actor, entry.outcome, entry.detail["files"]) == (alice, "ok", 4)


def test_it_is_linked_from_the_project_page_for_owners(client, alice, bob, project):
    client.force_login(alice)
    assert url(project) in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    client.force_login(bob)
    assert url(project) not in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()


def test_it_requires_login(client, project):
    r = client.get(url(project))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_it_checks_membership(client, charlie, project):
    client.force_login(charlie)
    assert client.get(url(project)).status_code == 404


def test_it_requires_the_owner_role(client, bob, viewer, project):
    for member in (bob, viewer):
        client.force_login(member)
        assert client.get(url(project)).status_code == 403
    assert Entry.objects.filter(action="project.export", outcome="refused").count() == 2


def test_it_rejects_post(client, alice, project):
    client.force_login(alice)
    assert client.post(url(project)).status_code == 405


def test_the_command_shows_progress(alice, project, make_video, tmp_path):
    make_video(project, alice, video=MP4 * 50)
    err, out = io.StringIO(), io.StringIO()
    call_command("export_project", "Launch film", "-o", str(tmp_path / "x.zip"), stdout=out, stderr=err)
    assert "Exporting" in err.getvalue() and "100%" in err.getvalue()
    assert "1 videos, 1 files" in out.getvalue()
    assert zipfile.ZipFile(tmp_path / "x.zip").testzip() is None


def test_a_file_missing_from_storage_refuses_the_export_before_anything_is_streamed(client, alice, project,
                                                                                      make_video):  # fmt: skip
    from django.core.files.storage import default_storage

    from assets.models import Asset

    make_video(project, alice, video=MP4, thumbnail=WEBP)
    broken = make_video(project, alice, prompt="The lost one", video=MP4, thumbnail=WEBP)
    lost = Asset.objects.get(video=broken, kind="thumbnail")
    default_storage.delete(lost.file.name)
    client.force_login(alice)

    r = client.get(url(project))

    assert r.status_code == 302 and not r.streaming
    assert r["Location"] == reverse("accounts:project", args=[project.public_id])
    page = client.get(r["Location"]).content.decode()
    assert "cannot be exported" in page and str(broken.public_id) in page and "missing from storage" in page
    entry = Entry.objects.get(action="project.export")
    assert entry.outcome == "refused" and lost.file.name in entry.reason and str(broken.public_id) in entry.reason


def test_a_file_of_the_wrong_size_in_storage_refuses_the_export(client, alice, project, make_video):
    from assets.models import Asset

    video = make_video(project, alice, video=MP4)
    asset = Asset.objects.get(video=video, kind="video")
    with open(asset.file.path, "wb") as fh:
        fh.write(MP4[:100])
    client.force_login(alice)

    r = client.get(url(project))

    assert r.status_code == 302
    entry = Entry.objects.get(action="project.export")
    assert entry.outcome == "refused" and f"holds 100 bytes in storage; its record says {len(MP4):,}" in entry.reason


def test_the_command_refuses_an_export_with_a_missing_file(alice, project, make_video, tmp_path):
    import pytest
    from django.core.files.storage import default_storage
    from django.core.management import CommandError

    from assets.models import Asset

    video = make_video(project, alice, video=MP4)
    default_storage.delete(Asset.objects.get(video=video).file.name)

    with pytest.raises(CommandError, match=f"video {video.public_id} .* is missing from storage.*Nothing was exported"):
        call_command("export_project", "Launch film", "-o", str(tmp_path / "x.zip"), "--no-progress",
                     stdout=io.StringIO())  # fmt: skip

    assert not list(tmp_path.iterdir())
    assert Entry.objects.get(action="project.export").outcome == "refused"
