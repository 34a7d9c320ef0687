"""A project exported from one studio imports into another with identical files and lineage: videos made by the
simulator through the whole pipeline, exported by the owner's page (streamed) and by the command, imported by the
command into a fresh project (new ids, same bytes, same family tree, no upstream call)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Membership, Project
from assets.models import Asset
from audit.models import Entry
from providers.models import Provider
from tests.conftest import image_bytes, run_pipeline
from tests.transfer.helpers import entries, manifest_of, rework
from videos import services
from videos.models import Video


def _files(video: Video) -> dict[str, bytes]:
    out = {}
    for asset in Asset.objects.filter(video=video):
        with asset.file.open("rb") as fh:
            out[asset.kind] = fh.read()
    return out


def _family(project) -> dict[str, tuple]:
    """prompt -> (parent's prompt, operation, files), for comparing two projects' trees."""
    out = {}
    for video in Video.objects.filter(project=project, status="completed").select_related("remixed_from"):
        parent = video.remixed_from.prompt if video.remixed_from else None
        out[video.prompt] = (parent, video.operation, video.model, video.size, video.seconds, str(video.estimated_cost),
                             _files(video))  # fmt: skip
    return out


@pytest.fixture
def made(queue, alice, project):
    """alice's project with a created video (with a reference image), its remix and an extension of the remix, all
    archived from the simulator, and a failed video (not exported)."""
    actor = Actor.of_user(alice)
    reference = io.BytesIO(image_bytes("PNG", size=(1280, 720)))
    first = run_pipeline(services.video_submit(actor=actor, project=project, prompt="A red kite", model="sora-2",
                                               size="1280x720", seconds=4, input_reference=reference))  # fmt: skip
    remix = run_pipeline(services.video_remix(actor=actor, parent=first, prompts=["The kite is blue"])[0])
    extension = run_pipeline(services.video_extend(actor=actor, parent=remix, prompt="It lands", seconds=4))
    assert {v.status for v in (first, remix, extension)} == {Video.Status.COMPLETED}
    Video.objects.create(project=project, owner=alice, provider=first.provider, prompt="broken", model="sora-2",
                         size="1280x720", seconds=4, status=Video.Status.FAILED)  # fmt: skip
    return first, remix, extension


@pytest.mark.django_db(transaction=True)
def test_export_by_the_page_then_import_by_the_command(made, client, alice, charlie, project, tmp_path):
    first, remix, extension = made
    before = _family(project)
    client.force_login(alice)

    r = client.get(reverse("transfer:project-export", args=[project.public_id]))

    assert r.status_code == 200 and r.streaming and r["Content-Type"] == "application/zip"
    data = b"".join(r.streaming_content)
    zipped = entries(data)
    manifest = manifest_of(data)
    assert [v["prompt"] for v in manifest["videos"]] == ["A red kite", "The kite is blue", "It lands"]
    assert manifest["skipped"] == 1
    by_prompt = {v["prompt"]: v for v in manifest["videos"]}
    assert by_prompt["The kite is blue"]["parent_id"] == str(first.public_id)
    assert by_prompt["It lands"]["parent_id"] == str(remix.public_id)
    assert {f["kind"] for f in by_prompt["A red kite"]["files"]} == {"video", "thumbnail", "spritesheet", "reference"}
    assert zipped[f"videos/{first.public_id}/video.mp4"] == _files(first)["video"]
    assert by_prompt["A red kite"]["provider"]["slug"] == "simulator" and by_prompt["A red kite"]["estimated_cost"]
    assert Entry.objects.filter(action="project.export", actor=alice, outcome="ok").exists()

    path = tmp_path / "export.zip"
    path.write_bytes(data)
    call_command("import_project", str(path), "--owner", "charlie", "--no-progress", stdout=io.StringIO())

    imported = Project.objects.get(memberships__user=charlie, memberships__role="owner", name="Launch film")
    assert _family(imported) == before
    new = {v.prompt: v for v in Video.objects.filter(project=imported)}
    assert {str(v.public_id) for v in new.values()}.isdisjoint({str(first.public_id), str(remix.public_id)})
    assert {(v.owner.username, v.status, v.upstream_id, v.provider.slug) for v in new.values()} == {
        ("charlie", "completed", None, "simulator")}
    assert new["It lands"].remixed_from == new["The kite is blue"]
    assert new["A red kite"].created_at == first.created_at
    assert not Membership.objects.filter(project=imported, user=alice).exists()
    assert Entry.objects.get(action="project.import").detail["ids"][str(first.public_id)] == str(
        new["A red kite"].public_id)
    # Nothing was sent upstream for them: no start, poll or archive was queued.
    assert Video.objects.filter(project=imported, status=Video.Status.COMPLETED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_command_exports_and_a_fresh_studio_imports_it(made, alice, project, tmp_path):
    before = _family(project)
    out = tmp_path / "p.zip"
    call_command("export_project", str(project.public_id), "-o", str(out), "--no-progress", stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
    # A fresh state: the project and its files are gone from this studio.
    for video in Video.objects.filter(project=project):
        Asset.objects.filter(video=video).delete()
    Project.objects.filter(pk=project.pk).delete()

    call_command("import_project", str(out), "--no-progress", stdout=io.StringIO())  # alice, the exported owner

    imported = Project.objects.get(name="Launch film")
    assert imported.pk != project.pk and _family(imported) == before


@pytest.mark.django_db(transaction=True)
def test_a_provider_unknown_here_becomes_a_switched_off_one(made, alice, project, tmp_path):
    data = b"".join(call_export(project))

    def elsewhere(m):
        for video in m["videos"]:
            video["provider"] = {"slug": "acme-video", "name": "Acme Video"}

    path = tmp_path / "p.zip"
    path.write_bytes(rework(data, manifest=elsewhere))
    call_command("import_project", str(path), "--owner", "alice", "--no-progress", stdout=io.StringIO())

    provider = Provider.objects.get(slug="acme-video")
    assert (provider.name, provider.is_active) == ("Acme Video (imported)", False)
    imported = Project.objects.get(name="Launch film (imported)")
    assert set(Video.objects.filter(project=imported).values_list("provider__slug", flat=True)) == {"acme-video"}


def call_export(project):
    from transfer import exports

    return exports.export_stream(exports.export_plan(project))
