"""The bulk zip: the selected videos' MP4s, byte for byte, and a CSV of their prompts and settings, streamed as it
is written (pieces of at most one read chunk, never the whole zip in memory), and in the audit log."""

from __future__ import annotations

import csv
import io
import os
import tracemalloc
import zipfile

import pytest
from django.urls import reverse

from accounts.actors import Actor
from audit.models import Entry
from reviews import organise_services as services
from videos.models import Video

BIG = 3 * 1024 * 1024 + 17  # three and a bit read chunks of a megabyte


@pytest.fixture
def picked(project, alice, make_video):
    kite = make_video(project, alice, prompt='A red kite, "windy" day, over the park', video=os.urandom(BIG),
                      seconds=8, size="720x1280")  # fmt: skip
    boat = make_video(
        project, alice, prompt='=HYPERLINK("http://x") a paper boat', video=b"\x00\x00\x00\x18ftypmp42" * 10
    )
    failed = make_video(project, alice, prompt="A failed one", status=Video.Status.FAILED)
    services.tag_add(actor=Actor.of_user(alice), video=kite, name="Dusk")
    services.tag_add(actor=Actor.of_user(alice), video=kite, name="kites")
    services.title_set(actor=Actor.of_user(alice), video=kite, title="Kite, take 2")
    return [kite, boat, failed]


def _download(client, videos):
    r = client.post(reverse("reviews:bulk-zip"), {"videos": [str(v.public_id) for v in videos]})
    assert r.status_code == 200 and r.streaming
    assert r["Content-Type"] == "application/zip"
    assert r["Content-Disposition"].startswith('attachment; filename="sora-videos-')
    return r


def test_the_zip_holds_each_mp4_and_a_csv_of_prompts_and_settings(client, bob, picked):
    kite, boat, failed = picked
    client.force_login(bob)
    data = b"".join(_download(client, picked).streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(
        ["videos.csv", f"sora-{kite.public_id}.mp4", f"sora-{boat.public_id}.mp4"]
    )
    for video in (kite, boat):
        asset = video.assets.get(kind="video")
        with asset.file.open("rb") as stored:
            assert archive.read(f"sora-{video.public_id}.mp4") == stored.read()
    rows = list(csv.DictReader(io.StringIO(archive.read("videos.csv").decode("utf-8-sig"))))
    assert [r["public_id"] for r in rows] == [str(v.public_id) for v in picked]
    first = rows[0]
    assert first == {
        "public_id": str(kite.public_id), "title": "Kite, take 2", "prompt": 'A red kite, "windy" day, over the park',
        "model": "sora-2", "size": "720x1280", "seconds": "8", "provider": kite.provider.name,
        "created": kite.created_at.isoformat(), "tags": "Dusk,kites", "file": f"sora-{kite.public_id}.mp4",
    }  # fmt: skip
    assert rows[1]["prompt"] == '\'=HYPERLINK("http://x") a paper boat'  # a formula stays text in a spreadsheet
    assert rows[2]["file"] == "(no MP4: not archived)" and rows[2]["prompt"] == "A failed one"  # only in the CSV


def test_a_file_missing_from_storage_is_said_in_the_csv_and_the_zip_stays_whole(client, bob, picked):
    kite, boat, _ = picked
    asset = boat.assets.get(kind="video")
    asset.file.storage.delete(asset.file.name)
    client.force_login(bob)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(_download(client, [kite, boat]).streaming_content)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(["videos.csv", f"sora-{kite.public_id}.mp4"])
    rows = list(csv.DictReader(io.StringIO(archive.read("videos.csv").decode("utf-8-sig"))))
    assert [r["file"] for r in rows] == [f"sora-{kite.public_id}.mp4", "(no MP4: missing from the studio's storage)"]


def test_the_zip_is_streamed_in_bounded_pieces(client, bob, picked):
    client.force_login(bob)
    response = _download(client, picked[:1])
    pieces = 0
    largest = 0
    total = 0
    tracemalloc.start()
    try:
        for piece in response.streaming_content:  # each piece dropped once counted, as a server sends it
            pieces += 1
            largest = max(largest, len(piece))
            total += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > BIG
    assert pieces >= BIG // services.CHUNK  # written as it goes, not at the end
    assert largest <= services.CHUNK + 1024  # one chunk read from storage, and a header
    assert peak < BIG  # never the whole zip (nor the whole MP4) in memory


def test_the_download_is_in_the_audit_log(client, bob, picked, project):
    client.force_login(bob)
    b"".join(_download(client, picked[:2]).streaming_content)
    entry = Entry.objects.get(action="video.zip_download")
    assert entry.actor == bob and entry.project == project
    assert entry.detail == {"videos": [str(v.public_id) for v in picked[:2]]}


def test_a_viewer_may_download_a_zip(client, viewer, picked):
    client.force_login(viewer)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(_download(client, picked[1:2]).streaming_content)))
    assert len(archive.namelist()) == 2


@pytest.mark.parametrize("value, kept", [
    ("=SUM(A1)", "'=SUM(A1)"), ("  =HYPERLINK(\"http://x\")", "'  =HYPERLINK(\"http://x\")"), ("\t@cmd", "'\t@cmd"),
    ("-2 stops darker", "'-2 stops darker"), ("A kite = joy", "A kite = joy"), ("", ""),
])  # fmt: skip
def test_a_csv_cell_a_spreadsheet_would_run_is_quoted(value, kept):
    from config.csvcells import csv_cell

    assert csv_cell(value) == kept
