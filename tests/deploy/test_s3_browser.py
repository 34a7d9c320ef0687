"""A real browser (Debian's Chromium through Playwright) plays and seeks a video stored on S3 (a real SeaweedFS): the
studio checks access and redirects the <video> to a signed URL, and the bucket answers the browser's ranges (206).
Then the same with S3_SERVE=proxy, where the ranges are answered by the studio from ranged GETs."""

from __future__ import annotations

import pytest

from tests.deploy.recorder import RecordingProxy
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401  (Debian's Chromium, as the e2e tests use)
from tests.e2e.pages import log_in, media

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SEEK_TO = 3.0


def _play_and_seek(page) -> dict:
    player = "document.querySelector('video[data-player]')"
    page.wait_for_function(f"{player} && {player}.readyState >= 1", timeout=30_000)
    page.evaluate(f"{player}.muted = true; {player}.play()")
    page.wait_for_function(f"{player}.currentTime > 0.3", timeout=30_000)
    page.evaluate(f"{player}.pause(); {player}.currentTime = {SEEK_TO}")
    page.wait_for_function(f"!{player}.seeking && {player}.readyState >= 2", timeout=30_000)
    return page.evaluate(
        f"(() => {{ const v = {player}; return {{t: v.currentTime, d: v.duration, w: v.videoWidth, e: v.error}}; }})()"
    )


@pytest.mark.parametrize("serve", ["redirect", "proxy"])
def test_a_browser_plays_and_seeks_a_video_kept_on_s3(serve, s3, studio, settings, page, make_video, alice, project):
    settings.S3_SERVE = serve
    bucket = RecordingProxy(s3.server.endpoint)  # the bucket as browsers reach it
    options = {**settings.STORAGES["default"]["OPTIONS"], "public_endpoint_url": bucket.url}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}
    video = make_video(project, alice, **media(640, 360, seconds=6))
    mp4 = f"/{video.asset_map['video'].file.name}"
    studio_answers = []
    page.on("response", lambda r: studio_answers.append(r.status) if "/files/video/" in r.url else None)
    log_in(page.context, studio.url, alice)

    try:
        page.goto(f"{studio.url}/videos/{video.public_id}/")
        state = _play_and_seek(page)
    finally:
        bucket.stop()

    assert state["e"] is None and state["w"] == 640 and 5.5 < state["d"] < 6.5
    assert abs(state["t"] - SEEK_TO) < 0.01
    video_gets = [r for r in bucket.requests if r["path"].endswith(mp4)]
    if serve == "redirect":
        assert 302 in studio_answers
        # The browser asked the bucket itself for byte ranges, and got them.
        assert video_gets and all(r["range"] and r["status"] == 206 for r in video_gets), bucket.requests
    else:
        assert video_gets == []  # the browser never saw the bucket: the studio answered its ranges
        assert 206 in studio_answers, studio_answers
