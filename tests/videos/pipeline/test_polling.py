"""Adaptive polling: never faster than POLL_MIN_SECONDS, sparse while far from done, close together near the end
(by the job's own pace), and never faster than the upstream's openai-poll-after-ms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from videos.models import Video
from videos.services import poll_delay

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def production_bounds(settings):
    settings.POLL_MIN_SECONDS = 2.0
    settings.POLL_MAX_SECONDS = 15.0


def _video(progress=0, submitted_ago=0.0, status="in_progress"):
    return Video(status=status, progress=progress, submitted_at=NOW - timedelta(seconds=submitted_ago))


def _delay(video, hint=None) -> float:
    return poll_delay(video, hint, now=NOW).total_seconds()


def test_a_fresh_job_is_looked_at_after_the_minimum():
    assert _delay(_video(0, 0, status="queued")) == 2.0


def test_before_any_progress_it_backs_off_with_the_time_waited():
    assert [_delay(_video(0, waited)) for waited in (2, 10, 20, 60)] == [2.0, 5.0, 10.0, 15.0]


def test_sparse_far_from_done_close_together_near_the_end():
    # A job that reached p % in 10 s: a third of the estimated time left.
    delays = [_delay(_video(p, 10)) for p in (5, 20, 50, 80, 95)]
    assert delays == sorted(delays, reverse=True)
    assert delays[0] == 15.0 and delays[-1] == 2.0
    assert _delay(_video(20, 10)) == pytest.approx(40 / 3)


def test_never_below_the_minimum_of_two_seconds(settings):
    settings.POLL_MAX_SECONDS = 1.0
    assert all(_delay(_video(p, 10)) >= 2 for p in (0, 50, 99))


def test_honours_the_upstream_poll_after_hint():
    assert _delay(_video(95, 10), hint=7000) == 7.0
    # ...but a hint never makes it look sooner than the studio's own pace
    assert _delay(_video(5, 10), hint=500) == 15.0


def test_a_12_second_render_is_seen_moving_several_times():
    """The default simulator (12 s): looks at ~2, 5.5, 8, 10, 12 s, not once at the end."""
    t, looks = 0.0, []
    while t < 12:
        progress = min(99, int(t / 12 * 100))
        t += _delay(_video(progress, t))
        looks.append(round(t, 1))
    assert len(looks) >= 4
