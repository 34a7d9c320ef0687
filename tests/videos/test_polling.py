"""Adaptive polling: never faster than POLL_MIN_SECONDS, slower far from done, faster near the end, and never
faster than the upstream's openai-poll-after-ms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from videos.models import Video
from videos.services import poll_delay


@pytest.fixture(autouse=True)
def production_bounds(settings):
    settings.POLL_MIN_SECONDS = 2.0
    settings.POLL_MAX_SECONDS = 15.0


def _video(status="in_progress", progress=0):
    return Video(status=status, progress=progress)


def test_slow_while_queued_or_far_from_done():
    assert poll_delay(_video("queued")) == timedelta(seconds=15)
    assert poll_delay(_video(progress=10)) == timedelta(seconds=15)


def test_faster_as_it_nears_the_end():
    delays = [poll_delay(_video(progress=p)).total_seconds() for p in (10, 50, 80, 95)]
    assert delays == sorted(delays, reverse=True)
    assert delays[-1] == 2.0


def test_never_below_the_minimum_of_two_seconds(settings):
    settings.POLL_MAX_SECONDS = 1.0
    assert all(poll_delay(_video(progress=p)) >= timedelta(seconds=2) for p in (0, 50, 99))


def test_honours_the_upstream_poll_after_hint():
    assert poll_delay(_video(progress=95), remote_poll_after_ms=7000) == timedelta(seconds=7)
    # ...but a hint never makes it poll faster than the studio's own pace
    assert poll_delay(_video(progress=10), remote_poll_after_ms=500) == timedelta(seconds=15)
