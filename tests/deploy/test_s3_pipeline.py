"""The studio on S3 (a real SeaweedFS that checks SigV4), end to end: the pipeline archives a simulator video into
the bucket, a member plays it with byte ranges (redirected to a short-lived signed URL that the bucket answers with
206, or streamed through Django), downloads pass the access checks first, a reference image uploaded in the create
form lands in the bucket, and deleting a video removes its files from the bucket."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.actors import Actor
from tests.conftest import image_bytes, sim_client, start, wait_for
from tests.deploy.s3server import BUCKET
from videos import services
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)
Status = Video.Status


def _archived(alice, project) -> Video:
    """A video submitted, rendered by the simulator over HTTP, and archived, step by step as the tasks would."""
    video = services.video_submit(
        actor=Actor.of_user(alice), project=project, prompt="A lighthouse in a storm, wide shot", model="sora-2",
        size="720x1280", seconds=4,
    )  # fmt: skip
    start(video)

    def archiving():
        services.video_poll(video_id=video.id)
        return Video.objects.filter(id=video.id, status=Status.ARCHIVING).exists()

    wait_for(archiving, timeout=60, interval=0.1, what="completion upstream")
    services.video_archive(video_id=video.id)
    video = Video.objects.get(id=video.id)
    assert video.status == Status.COMPLETED, (video.error_code, video.error_message)
    return video


def _session(live_server, user) -> requests.Session:
    """A browser-like session on the live server, logged in as `user`."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _asset_url(live_server, video, variant="video", download=False) -> str:
    return live_server.url + reverse("videos:asset", args=[video.public_id, variant]) + ("?download=1" if download else "")


def _local_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file() and "simulator" not in p.relative_to(root).parts}


def test_the_pipeline_archives_into_the_bucket(queue, s3, alice, project, settings):
    local_before = _local_files(settings)
    video = _archived(alice, project)

    upstream = sim_client()
    keys = s3.keys()
    assert len(keys) == 3 and s3.uploads() == []
    for variant in ("video", "thumbnail", "spritesheet"):
        asset = video.asset_map[variant]
        assert s3.key(asset.file.name) in keys
        body = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key(asset.file.name))["Body"].read()
        remote = upstream.download(video.upstream_id, io.BytesIO(), variant=variant)
        assert hashlib.sha256(body).hexdigest() == asset.sha256 == remote.sha256 and len(body) == asset.bytes
    assert _local_files(settings) == local_before  # nothing archived on local disk


def test_playback_redirects_to_a_signed_url_and_the_bucket_answers_the_range(queue, studio, s3, alice, project):
    video = _archived(alice, project)
    mp4 = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key(video.asset_map["video"].file.name))["Body"].read()
    browser = _session(studio, alice)

    first = browser.get(_asset_url(studio, video), headers={"Range": "bytes=0-"}, allow_redirects=False)
    assert first.status_code == 302 and first.headers["Cache-Control"] == "private, no-store"
    signed = urlparse(first.headers["Location"])
    query = parse_qs(signed.query)
    assert f"{signed.scheme}://{signed.netloc}" == s3.server.endpoint
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["120"]
    assert query["response-content-type"] == ["video/mp4"]
    assert query["response-content-disposition"][0].startswith("inline; filename=")

    # What a <video> element does: follow the redirect, asking for a range; the bucket answers 206.
    ranged = browser.get(_asset_url(studio, video), headers={"Range": "bytes=1000-1999"})
    assert ranged.status_code == 206 and ranged.content == mp4[1000:2000]
    assert ranged.headers["Content-Range"] == f"bytes 1000-1999/{len(mp4)}"
    assert ranged.headers["Content-Type"] == "video/mp4"
    tail = browser.get(_asset_url(studio, video), headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == mp4[-100:]


def test_a_download_passes_the_access_check_first(queue, studio, s3, alice, project, charlie, viewer):
    video = _archived(alice, project)
    live = studio

    outsider = _session(live, charlie).get(_asset_url(live, video, download=True), allow_redirects=False)
    assert outsider.status_code == 404 and "Location" not in outsider.headers
    anonymous = requests.get(_asset_url(live, video, download=True), allow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/accounts/login/")

    member = _session(live, viewer).get(_asset_url(live, video, download=True), allow_redirects=False)
    assert member.status_code == 302
    query = parse_qs(urlparse(member.headers["Location"]).query)
    assert query["response-content-disposition"] == [f'attachment; filename="sora-{video.public_id}-video.mp4"']
    got = requests.get(member.headers["Location"])
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(got.content).hexdigest() == video.asset_map["video"].sha256


def test_a_signed_url_expires_and_cannot_be_pointed_at_another_file(queue, s3, alice, project):
    from django.core.files.storage import default_storage

    video = _archived(alice, project)
    video_name, thumb_name = video.asset_map["video"].file.name, video.asset_map["thumbnail"].file.name
    url = default_storage.browser_url(video_name, parameters={}, expire=1)
    time.sleep(2.5)
    expired = requests.get(url)
    assert expired.status_code == 403 and b"expired" in expired.content.lower()

    fresh = default_storage.browser_url(thumb_name, parameters={}, expire=60)
    retargeted = fresh.replace(thumb_name.rsplit("/", 1)[-1], video_name.rsplit("/", 1)[-1])
    assert retargeted != fresh and requests.get(retargeted).status_code == 403


def test_the_bucket_at_its_public_address(queue, studio, s3, alice, project, settings):
    """Browsers may reach the bucket at another address than the workers do (S3_PUBLIC_ENDPOINT_URL)."""
    public = s3.server.endpoint.replace("127.0.0.1", "localhost")
    storage = dict(settings.STORAGES["default"])
    storage["OPTIONS"] = {**storage["OPTIONS"], "public_endpoint_url": public}
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    video = _archived(alice, project)
    live = studio

    r = _session(live, alice).get(_asset_url(live, video), headers={"Range": "bytes=0-99"}, allow_redirects=False)
    assert r.headers["Location"].startswith(public + "/")
    ranged = requests.get(r.headers["Location"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100  # signed for that host, and valid there


def test_proxy_mode_streams_the_asked_range_through_django(queue, studio, s3, alice, project, settings, charlie, monkeypatch):
    settings.S3_SERVE = "proxy"
    video = _archived(alice, project)
    mp4 = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key(video.asset_map["video"].file.name))["Body"].read()
    live = studio
    browser = _session(live, alice)

    ranged = browser.get(_asset_url(live, video), headers={"Range": "bytes=100-4195"}, allow_redirects=False)
    assert ranged.status_code == 206 and ranged.content == mp4[100:4196]
    assert ranged.headers["Content-Range"] == f"bytes 100-4195/{len(mp4)}" and ranged.headers["Accept-Ranges"] == "bytes"
    whole = browser.get(_asset_url(live, video, download=True))
    assert whole.status_code == 200 and whole.content == mp4
    assert whole.headers["Content-Disposition"] == f'attachment; filename="sora-{video.public_id}-video.mp4"'
    beyond = browser.get(_asset_url(live, video), headers={"Range": f"bytes={len(mp4) + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(mp4)}"
    assert _session(live, charlie).get(_asset_url(live, video)).status_code == 404


def test_proxy_mode_asks_the_bucket_for_the_range_only(s3, make_video, alice, project, settings, client, monkeypatch):
    from assets.s3 import S3Storage

    settings.S3_SERVE = "proxy"
    data = b"\x00\x00\x00\x18ftypmp42" + os.urandom(3 << 20)
    video = make_video(project, alice, video=data)
    asked = []
    real = S3Storage.iter_range
    monkeypatch.setattr(S3Storage, "iter_range", lambda self, name, a, b, **kw: asked.append((a, b)) or real(self, name, a, b, **kw))
    client.force_login(alice)

    r = client.get(reverse("videos:asset", args=[video.public_id, "video"]), HTTP_RANGE="bytes=2000000-2000099")

    assert r.status_code == 206 and b"".join(r.streaming_content) == data[2_000_000:2_000_100]
    assert asked == [(2_000_000, 2_000_099)]  # one ranged GET for those 100 bytes, not the 3 MiB object


def test_a_reference_image_uploaded_in_the_create_form_lands_in_the_bucket(s3, alice, project, client):
    from PIL import Image

    client.force_login(alice)
    upload = SimpleUploadedFile("ref.jpg", image_bytes("JPEG", size=(300, 300)), content_type="image/jpeg")
    payload = {"prompt": "Close-up of a paper boat", "model": "sora-2", "size": "1280x720", "seconds": 4,
               "input_reference": upload, "input_fit": "contain"}  # fmt: skip

    r = client.post(reverse("videos:create", args=[project.public_id]), payload)

    assert r.status_code == 302, r.content[:500]
    reference = Video.objects.get().assets.get(kind="reference")
    assert s3.keys() == [s3.key(reference.file.name)] and reference.file.name.startswith("references/")
    body = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key(reference.file.name))["Body"]
    assert Image.open(io.BytesIO(body.read())).size == (1280, 720)


def test_deleting_a_video_removes_its_files_from_the_bucket(queue, s3, alice, project):
    video = _archived(alice, project)
    assert len(s3.keys()) == 3

    services.video_delete(actor=Actor.of_user(alice), video=video)

    assert s3.keys() == [] and not Video.objects.filter(id=video.id).exists()
