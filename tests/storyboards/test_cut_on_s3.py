"""Final cuts on S3 (a real SeaweedFS that checks SigV4): the takes are read from the bucket, the cut and its pictures
are written there (nothing on local disk), played through a signed URL that the bucket answers with 206, and a cut
that fails leaves nothing in the bucket."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.urls import reverse

from accounts.actors import Actor
from assets.media import probe_mp4
from storyboards import services
from storyboards.tasks import make_cut
from tests.deploy.s3server import BUCKET
from tests.storyboards.conftest import add_shot, add_take

pytestmark = pytest.mark.django_db


def _two_takes(board, alice, make_video, clips):
    for n, prompt in enumerate(("a kite", "a lake"), start=1):
        shot = add_shot(board, f"Shot {n}")
        add_take(shot, make_video(board.project, alice, video=clips(prompt=prompt)), chosen=True)


def _media_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file() and "simulator" not in p.relative_to(root).parts}


def test_a_cut_is_made_from_and_into_the_bucket_and_played_from_it(
    s3,
    board,
    alice,
    make_video,
    clips,
    client,
    settings,
):
    _two_takes(board, alice, make_video, clips)
    before, local = set(s3.keys()), _media_files(settings)
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    make_cut(cut.id)
    cut.refresh_from_db()

    assert cut.status == "completed", cut.error_message
    added = set(s3.keys()) - before
    assert added == {s3.key(a.file.name) for a in (cut.video, cut.thumbnail, cut.spritesheet)}
    assert _media_files(settings) == local
    body = s3.server.client().get_object(Bucket=BUCKET, Key=s3.key(cut.video.file.name))["Body"].read()
    assert probe_mp4(io.BytesIO(body)).duration_seconds == pytest.approx(8, abs=1 / 8)

    client.force_login(alice)
    first = client.get(reverse("storyboards:cut-file", args=[cut.public_id, "video"]))
    assert first.status_code == 302 and urlparse(first["Location"]).netloc == urlparse(s3.server.endpoint).netloc
    ranged = requests.get(first["Location"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == body[100:200]


def test_a_failed_cut_leaves_nothing_in_the_bucket(s3, board, alice, make_video, clips):
    _two_takes(board, alice, make_video, clips)
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    gone = board.shots.get(position=2).takes.get().video.assets.get(kind="video")
    gone.file.storage.delete(gone.file.name)
    before = set(s3.keys())
    make_cut(cut.id)
    cut.refresh_from_db()
    assert cut.status == "failed" and "Shot 2 (take 1): its MP4 is missing" in cut.error_message
    assert set(s3.keys()) == before and s3.uploads() == []
