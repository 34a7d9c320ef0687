"""A guest link to a video kept on S3 (a real SeaweedFS that checks SigV4): the guest is sent to a signed URL that
the bucket answers with 206 (S3_SERVE=redirect), or the studio streams the asked range itself (S3_SERVE=proxy);
a revoked link gets neither."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import requests

from accounts.actors import Actor
from reviews import share_services as share
from tests.deploy.s3server import s3, s3_server  # noqa: F401  (fixtures: a real S3 server)
from tests.reviews.share.conftest import MP4, file_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_video(s3, project, alice, make_video):  # noqa: F811
    video = make_video(project, alice, video=MP4)
    assert s3.key(video.assets.get(kind="video").file.name) in s3.keys()
    return video


def test_a_guest_is_sent_to_a_signed_url_that_answers_ranges(client, s3, s3_video, make_link):  # noqa: F811
    _, token = make_link(s3_video)
    r = client.get(file_url(token))
    assert r.status_code == 302 and urlparse(r["Location"]).netloc == urlparse(s3.server.endpoint).netloc
    assert r["X-Robots-Tag"] == "noindex, nofollow" and r["Cache-Control"] == "private, no-store"
    ranged = requests.get(r["Location"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == MP4[100:200]


def test_through_the_studio_when_the_bucket_is_not_reachable(client, s3, s3_video, make_link, settings, alice):  # noqa: F811
    settings.S3_SERVE = "proxy"
    link, token = make_link(s3_video)
    r = client.get(file_url(token), HTTP_RANGE="bytes=100-199")
    assert r.status_code == 206 and b"".join(r.streaming_content) == MP4[100:200]
    assert r["X-Robots-Tag"] == "noindex, nofollow"
    share.link_revoke(actor=Actor.of_user(alice), link=link)
    assert client.get(file_url(token), HTTP_RANGE="bytes=100-199").status_code == 404
