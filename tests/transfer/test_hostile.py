"""A damaged or hostile archive is refused with a clear message and creates nothing: no project, video, asset,
provider or file in storage (even when some files were already written when the fault was found)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.actors import Actor
from accounts.models import Project
from assets.models import Asset
from audit.models import Entry
from providers.models import Provider
from tests.transfer.helpers import (
    JPEG,
    MP4,
    PNG,
    WEBP,
    build,
    entries,
    export_bytes,
    rework,
    shrink_declared_size,
)
from transfer.services import project_import
from videos.models import Video


@pytest.fixture
def archive(alice, project, make_video):
    """A good export of alice's project: a video with all four files, and its remix with a video and thumbnail."""
    parent = make_video(project, alice, upstream_id="video_1", video=MP4, thumbnail=WEBP, spritesheet=JPEG,
                        reference=PNG)  # fmt: skip
    make_video(project, alice, prompt="Its remix", remixed_from=parent, operation="remix", upstream_id="video_2",
               video=MP4 + b"remix", thumbnail=WEBP)  # fmt: skip
    return export_bytes(project)


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "simulator" not in p.parts}


def state():
    return (Project.objects.count(), Video.objects.count(), Asset.objects.count(), Provider.objects.count(),
            stored_files())  # fmt: skip


def refused(data: bytes, alice, tmp_path, expected: str) -> str:
    before = state()
    path = tmp_path / "import.zip"
    path.write_bytes(data)
    with pytest.raises(CommandError) as caught:
        call_command("import_project", str(path), "--owner", "alice", "--no-progress")
    message = str(caught.value)
    assert expected in message and "Nothing was imported" in message
    assert state() == before
    return message


def test_the_good_archive_imports(archive, alice, tmp_path):
    path = tmp_path / "ok.zip"
    path.write_bytes(archive)
    call_command("import_project", str(path), "--owner", "alice", "--no-progress")
    imported = Project.objects.get(name="Launch film (imported)")
    assert Video.objects.filter(project=imported).count() == 2
    assert Asset.objects.filter(video__project=imported).count() == 6


def test_path_traversal_is_refused(archive, alice, tmp_path):
    refused(rework(archive, extra={"../../evil.txt": b"x"}), alice, tmp_path, "leaves its folder")
    refused(rework(archive, extra={"videos/../../evil.txt": b"x"}), alice, tmp_path, "leaves its folder")


def test_absolute_paths_are_refused(archive, alice, tmp_path):
    refused(rework(archive, extra={"/etc/cron.d/evil": b"x"}), alice, tmp_path, "absolute path")
    refused(rework(archive, extra={"C:/Windows/evil": b"x"}), alice, tmp_path, "absolute path")
    refused(rework(archive, extra={"videos\\evil": b"x"}), alice, tmp_path, "bad name")


def test_a_path_traversal_named_in_the_manifest_is_refused(archive, alice, tmp_path):
    def escape(m):
        m["videos"][0]["files"][0]["path"] = "../" + m["videos"][0]["files"][0]["path"]

    refused(rework(archive, manifest=escape), alice, tmp_path, "bad path")


def test_symlinks_are_refused(archive, alice, tmp_path):
    contents = entries(archive)
    link = zipfile.ZipInfo("videos/link")
    link.external_attr = 0o120777 << 16
    contents["videos/link"] = b"/etc/passwd"
    refused(build(contents, infos={"videos/link": link}), alice, tmp_path, "symbolic link")


def test_a_zip_bomb_is_refused_by_its_ratio(archive, alice, tmp_path):
    contents = entries(archive)
    contents["videos/bomb.bin"] = bytes(30 * 1024 * 1024)
    refused(build(contents, compression=zipfile.ZIP_DEFLATED), alice, tmp_path, "zip bomb")


def test_an_archive_over_the_total_cap_is_refused(archive, alice, tmp_path, settings):
    settings.TRANSFER_MAX_IMPORT_BYTES = 5000
    refused(archive, alice, tmp_path, "TRANSFER_MAX_IMPORT_BYTES")


def test_an_entry_holding_more_than_it_declares_is_refused(archive, alice, tmp_path):
    manifest = json.loads(entries(archive)["project.json"])
    item = manifest["videos"][1]["files"][-1]  # the remix's video: written after the parent's four files
    assert item["kind"] == "video"
    lied = item["bytes"] // 2

    def smaller(m):
        m["videos"][1]["files"][-1]["bytes"] = lied

    data = shrink_declared_size(rework(archive, manifest=smaller), item["path"], lied)
    refused(data, alice, tmp_path, "damaged")


def test_bad_json_is_refused(archive, alice, tmp_path):
    refused(rework(archive, manifest=lambda m: b"{not json"), alice, tmp_path, "not valid JSON")
    refused(rework(archive, manifest=lambda m: b"\xff\xfe"), alice, tmp_path, "not valid JSON")
    refused(rework(archive, manifest=lambda m: b"[1, 2]"), alice, tmp_path, "not a Sora Studio project export")


def test_bad_fields_are_refused(archive, alice, tmp_path):
    cases = {
        "bad length": lambda m: m["videos"][0].update(seconds=10_000),
        "bad size": lambda m: m["videos"][0].update(size="huge"),
        "bad cost": lambda m: m["videos"][0].update(estimated_cost="-1"),
        "bad created_at": lambda m: m["videos"][0].update(created_at="yesterday"),
        "not an id": lambda m: m["videos"][0].update(id="../../x"),
        "not before it": lambda m: m["videos"][0].update(parent_id=m["videos"][1]["id"]),
        "twice": lambda m: m["videos"].append(m["videos"][0]),
        "unknown operation": lambda m: m["videos"][0].update(operation="launch"),
        "names no provider": lambda m: m["videos"][0].update(provider={"slug": "../x", "name": "x"}),
    }
    for message, change in cases.items():
        refused(rework(archive, manifest=change), alice, tmp_path, message)


def test_missing_files_are_refused(archive, alice, tmp_path):
    path = json.loads(entries(archive)["project.json"])["videos"][1]["files"][0]["path"]
    refused(rework(archive, drop=(path,)), alice, tmp_path, f"missing {path}")
    refused(build({k: v for k, v in entries(archive).items() if k != "project.json"}), alice, tmp_path,
            "no project.json")  # fmt: skip


def test_unlisted_files_are_refused(archive, alice, tmp_path):
    refused(rework(archive, extra={"videos/extra.mp4": MP4}), alice, tmp_path, "does not list")


def test_a_wrong_checksum_is_refused_and_the_files_written_before_it_are_removed(archive, alice, tmp_path):
    last = json.loads(entries(archive)["project.json"])["videos"][1]["files"][-1]["path"]

    def flip(name, content):
        return content[:-1] + bytes([content[-1] ^ 1]) if name == last else content

    message = refused(rework(archive, files=flip), alice, tmp_path, "does not match its checksum")
    assert last in message
    entry = Entry.objects.get(action="project.import")
    assert entry.outcome == "refused" and "checksum" in entry.reason


def test_a_file_that_is_not_what_its_kind_must_be_is_refused(archive, alice, tmp_path):
    import hashlib

    html = b"<!doctype html><script>alert(1)</script>"
    m = json.loads(entries(archive)["project.json"])
    target = m["videos"][0]["files"][0]

    def swap(mm):
        mm["videos"][0]["files"][0].update(bytes=len(html), sha256=hashlib.sha256(html).hexdigest())

    data = rework(archive, manifest=swap, files=lambda name, content: html if name == target["path"] else content)
    refused(data, alice, tmp_path, "an HTML page")


def test_an_unknown_schema_version_is_refused(archive, alice, tmp_path):
    refused(rework(archive, manifest=lambda m: m.update(schema_version=99)), alice, tmp_path, "schema version 99")


def test_something_that_is_not_a_zip_is_refused(alice, tmp_path):
    refused(b"PK\x03\x04 this is not really a zip", alice, tmp_path, "not a readable zip")


def test_the_service_refuses_with_a_validation_error_too(archive, alice, tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(rework(archive, manifest=lambda m: m.update(schema_version=2)))
    before = state()
    with pytest.raises(ValidationError):
        project_import(actor=Actor.of_user(alice, "test"), owner=alice, archive=str(path))
    assert state() == before
    assert not any(name.endswith(".partial") for name in os.listdir(tmp_path))


def test_a_deeply_nested_manifest_is_refused(archive, alice, tmp_path):
    deep = b'{"format": "sora-studio-project", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    refused(rework(archive, manifest=lambda m: deep), alice, tmp_path, "nested too deeply")
    import io

    before = state()
    with pytest.raises(ValidationError, match="nested too deeply"):  # the service, given a file object
        project_import(actor=Actor.of_user(alice, "test"), owner=alice,
                       archive=io.BytesIO(rework(archive, manifest=lambda m: deep)))  # fmt: skip
    assert state() == before


def test_impossible_moments_are_refused(archive, alice, tmp_path):
    cases = {
        "bad created_at": lambda m: m["videos"][0].update(created_at="2024-02-30T00:00:00+00:00"),
        "bad completed_at": lambda m: m["videos"][1].update(completed_at="2024-01-01T00:00:00+99:00"),
        "bad submitted_at": lambda m: m["videos"][0].update(submitted_at="0001-01-01T00:00:00+05:00"),
        "bad archived_at": lambda m: m["videos"][0].update(archived_at="9999-12-31T23:59:59-05:00"),
    }
    for message, change in cases.items():
        refused(rework(archive, manifest=change), alice, tmp_path, message)


def test_text_no_database_can_store_is_refused(archive, alice, tmp_path):
    cases = {
        "videos[0].prompt holds a NUL character": lambda m: m["videos"][0].update(prompt="A kite\x00"),
        "project.name holds a lone surrogate (U+D800": lambda m: m["project"].update(name="Launch \ud800"),
        "project.owners[0] holds a NUL": lambda m: m["project"].update(owners=["ali\x00ce"]),
        "videos[1].provider.name holds a lone surrogate": lambda m: m["videos"][1]["provider"].update(name="\udfff"),
        "a key holding a NUL": lambda m: m["videos"][0].update({"x\x00": 1}),
    }
    for message, change in cases.items():
        refused(rework(archive, manifest=change), alice, tmp_path, message)


def test_values_of_the_wrong_shape_are_refused(archive, alice, tmp_path):
    cases = {
        "lists a bad file": lambda m: m["videos"][0]["files"][0].update(kind=["video"]),
        "owners or id": lambda m: m["project"].update(owners=5),
        "bad cost": lambda m: m["videos"][0].update(estimated_cost="1.234"),
    }
    for message, change in cases.items():
        refused(rework(archive, manifest=change), alice, tmp_path, message)
    huge_number = lambda m: json.dumps(m).replace('"seconds": 4', '"seconds": ' + "9" * 5000, 1).encode()  # noqa: E731
    refused(rework(archive, manifest=huge_number), alice, tmp_path, "not valid JSON")


def test_an_archive_with_too_many_entries_is_refused_before_its_list_is_read(archive, alice, tmp_path, monkeypatch):
    import transfer.services

    monkeypatch.setattr(transfer.services, "MAX_ENTRIES", 20)
    data = rework(archive, extra={f"videos/{n}.bin": b"" for n in range(30)})
    fine = rework(archive, extra={f"videos/{n}.bin": b"" for n in range(10)})
    read = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: read.append(1) or real(self))

    message = refused(data, alice, tmp_path, "holds 37 entries")

    assert "at most 20" in message and not read  # refused from the end record, before zipfile read the entries
    refused(fine, alice, tmp_path, "does not list")
    assert read  # under the cap, the archive is read (and refused for what it holds)
