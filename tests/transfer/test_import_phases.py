"""An import copies its files into storage first, outside any transaction (so a big import never holds the
database's write lock while bytes are copied: on SQLite that would block every other write, such as a login or the
pipeline's lease heartbeats), and only then inserts every row in one short transaction. A failure in either phase
leaves no file and no row."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections

from accounts.actors import Actor
from accounts.models import Project, User
from audit.models import Entry
from tests.transfer.helpers import JPEG, MP4, PNG, WEBP, export_bytes, rework
from tests.transfer.test_hostile import state, stored_files
from transfer.services import project_import
from videos import lifecycle
from videos.models import Video


@pytest.fixture
def archive_path(alice, project, make_video, tmp_path):
    parent = make_video(project, alice, upstream_id="video_1", video=MP4 * 20, thumbnail=WEBP, spritesheet=JPEG,
                        reference=PNG)  # fmt: skip
    make_video(project, alice, prompt="Its remix", remixed_from=parent, operation="remix", upstream_id="video_2",
               video=MP4 + b"remix", thumbnail=WEBP)  # fmt: skip
    path = tmp_path / "export.zip"
    path.write_bytes(export_bytes(project))
    return path


@pytest.mark.django_db(transaction=True)
def test_another_connection_can_write_while_the_files_are_copied(archive_path, alice):
    seen: dict = {}

    def create_user() -> None:
        try:
            User.objects.create_user("dora", password="x")
            seen["written"] = True
        except Exception as exc:  # e.g. "database is locked" on SQLite
            seen["error"] = repr(exc)
        finally:
            connections.close_all()

    def progress(n: int) -> None:
        if "in_transaction" in seen:
            return
        seen["in_transaction"] = connection.in_atomic_block
        seen["projects"] = Project.objects.filter(name="Launch film (imported)").count()
        writer = threading.Thread(target=create_user)
        writer.start()
        writer.join(timeout=8)
        seen["finished"] = not writer.is_alive()

    done = project_import(actor=Actor.of_user(alice, "test"), owner=alice, archive=str(archive_path),
                          progress=progress)  # fmt: skip

    assert seen["in_transaction"] is False
    assert seen["projects"] == 0  # no row yet while files are copied
    assert seen["finished"] and seen.get("written"), seen.get("error")
    assert User.objects.filter(username="dora").exists()
    assert (done.videos, done.files) == (2, 6)


@pytest.mark.django_db(transaction=True)
def test_the_stored_files_are_named_after_the_new_videos(archive_path, alice):
    done = project_import(actor=Actor.of_user(alice, "test"), owner=alice, archive=str(archive_path))
    for video in Video.objects.filter(project=done.project):
        names = [a.file.name for a in video.assets.all()]
        assert names and all(str(video.public_id) in name for name in names)
        for asset in video.assets.all():
            with asset.file.open("rb") as fh:
                assert len(fh.read()) == asset.bytes


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_rows_are_inserted_leaves_no_file_and_no_row(archive_path, alice, monkeypatch):
    real = lifecycle.insert_imported
    calls = []

    def second_fails(video, **kwargs):
        calls.append(video)
        if len(calls) == 2:
            raise IntegrityError("the database refused the row")
        return real(video, **kwargs)

    monkeypatch.setattr(lifecycle, "insert_imported", second_fails)
    before = state()
    files_before = stored_files()

    with pytest.raises(IntegrityError):
        project_import(actor=Actor.of_user(alice, "test"), owner=alice, archive=str(archive_path))

    assert len(calls) == 2  # the files were all copied, and the first video's row inserted, before it failed
    assert state() == before and stored_files() == files_before
    assert not Entry.objects.filter(action="project.import", outcome="ok").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_files_are_copied_leaves_no_file_and_no_row(archive_path, alice, tmp_path):
    data = archive_path.read_bytes()
    from tests.transfer.helpers import manifest_of

    last = manifest_of(data)["videos"][1]["files"][-1]["path"]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(rework(data, files=lambda name, c: c[:-1] + bytes([c[-1] ^ 1]) if name == last else c))
    before = state()
    copied = []

    with pytest.raises(ValidationError, match="does not match its checksum"):
        project_import(actor=Actor.of_user(alice, "test"), owner=alice, archive=str(bad), progress=copied.append)

    assert sum(copied) > len(MP4) * 20  # the first files were written before the fault was found
    assert state() == before
    assert Entry.objects.get(action="project.import").outcome == "refused"
