"""Adaptive polling: never faster than POLL_MIN_SECONDS, a look at the end the job's own pace predicts (never later
than the time already waited), every tenth of the time waited near or past that end, and never faster than the
upstream's openai-poll-after-ms. On the simulator's even pace that is at most half the SDK's status calls for 30 s
and 90 s renders, completion noticed within max(2 s, 10 % of the render time) (issue #12)."""

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
    # A job that reached p % in 10 s: the time its pace says is left, at most POLL_MAX_SECONDS (10 s waited so far).
    delays = [_delay(_video(p, 10)) for p in (5, 20, 50, 80, 95)]
    assert delays == sorted(delays, reverse=True)
    assert delays[0] == 15.0 and delays[-1] == 2.0
    assert _delay(_video(50, 10)) == pytest.approx(10.0)  # half done in 10 s: done in 10 s more
    assert _delay(_video(80, 10)) == pytest.approx(2.5)


def test_a_long_wait_is_predicted_from_the_pace_but_never_longer_than_the_time_waited():
    assert _delay(_video(40, 40)) == pytest.approx(40.0)  # 60 s left by its pace: look again after 40 (the wait so far)
    assert _delay(_video(60, 60)) == pytest.approx(40.0)  # 40 s left: beyond POLL_MAX_SECONDS, as predicted


def test_near_or_past_the_predicted_end_it_looks_every_tenth_of_the_time_waited():
    assert _delay(_video(99, 100)) == pytest.approx(10.0)  # 1 s left by its pace, but a stalled 99 % is common
    assert _delay(_video(99, 300)) == 15.0  # at most POLL_MAX_SECONDS apart


def test_never_below_the_minimum_of_two_seconds(settings):
    settings.POLL_MAX_SECONDS = 1.0
    assert all(_delay(_video(p, 10)) >= 2 for p in (0, 50, 99))


def test_honours_the_upstream_poll_after_hint():
    assert _delay(_video(95, 10), hint=7000) == 7.0
    # ...but a hint never makes it look sooner than the studio's own pace
    assert _delay(_video(5, 10), hint=500) == 15.0


def _looks(render: float) -> list[float]:
    """When the schedule looks at a job of the simulator's even pace (queued for the first tenth of the render, then
    progress = elapsed / render, done at `render`), with the simulator's openai-poll-after-ms (a tenth of the render
    time), until a look finds it done."""
    hint = int(max(100, min(render * 100, 10_000)))
    t, looks, progress = 0.0, [], 0
    while not looks or looks[-1] < render:
        t += _delay(_video(progress, t, status="queued" if progress == 0 else "in_progress"), hint)
        looks.append(t)
        progress = 0 if t < render / 10 else min(99, int(t / render * 100))
    return looks


@pytest.mark.parametrize("render, sdk_calls", [(30, 11), (90, 11)])
def test_30_and_90_second_renders_take_half_the_sdks_status_calls_and_are_noticed_in_time(render, sdk_calls):
    looks = _looks(render)
    assert len(looks) <= sdk_calls / 2, looks
    assert looks[-1] - render <= max(2.0, render / 10), looks


def test_a_12_second_render_is_looked_at_while_rendering_and_noticed_within_two_seconds():
    """The default simulator (12 s): a look while it renders (its progress shows), then one at its predicted end."""
    looks = _looks(12)
    assert len(looks) >= 2 and looks[0] < 12
    assert looks[-1] - 12 <= 2.0, looks
