"""Content from an S3 archive (a real SeaweedFS): the SDK follows the signed redirect (the token stays with the
studio), and with S3_SERVE=proxy the studio streams the asked byte range itself."""

from __future__ import annotations

import os

import openai
import pytest
import requests

from api import payloads
from tests.api.conftest import make_token
from tests.deploy.s3server import s3, s3_server  # noqa: F401  (fixtures: a SeaweedFS bucket for this test)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archived(s3, studio, alice, project, make_video):  # noqa: F811
    data = b"\x00\x00\x00\x18ftypmp42" + os.urandom(64 * 1024)
    video = make_video(project, alice, video=data, thumbnail=b"RIFF\x00\x00\x00\x00WEBPVP8 x")
    return payloads.video_id(video), data


def test_the_sdk_follows_the_signed_redirect_without_its_token(archived, studio, alice, project, settings):
    video_id, data = archived
    _, token = make_token(alice, project)
    url = f"{studio.url}/v1/videos/{video_id}/content"

    first = requests.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False, timeout=30)
    assert first.status_code == 302 and token not in first.headers["Location"]
    assert first.headers["Location"].startswith(settings.S3_ENDPOINT_URL)
    sdk = openai.OpenAI(base_url=studio.url + "/v1", api_key=token, max_retries=0)
    assert sdk.videos.download_content(video_id).read() == data


def test_proxy_mode_streams_a_range(archived, studio, alice, project, settings):
    settings.S3_SERVE = "proxy"
    video_id, data = archived
    _, token = make_token(alice, project)

    r = requests.get(f"{studio.url}/v1/videos/{video_id}/content", timeout=30,
                     headers={"Authorization": f"Bearer {token}", "Range": "bytes=100-1099"})  # fmt: skip

    assert r.status_code == 206 and r.content == data[100:1100]
    assert r.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
