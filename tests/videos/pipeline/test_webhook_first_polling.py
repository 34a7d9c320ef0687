"""With the provider's webhooks configured, polling is only a safety net (issue #12): the first look comes a
little after the expected render time (the median of the provider's recent renders of the model), then one every
POLL_WEBHOOK_SECONDS; without webhooks, polling stays adaptive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from videos import polling
from videos.models import Video
from videos.services import poll_delay


@pytest.fixture(autouse=True)
def bounds(settings):
    settings.POLL_MIN_SECONDS = 2.0
    settings.POLL_MAX_SECONDS = 15.0
    settings.POLL_WEBHOOK_SECONDS = 300.0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def webhooks(settings):
    settings.SIM_WEBHOOK_URL = "http://127.0.0.1:8000/webhooks/simulator/"
    settings.SIM_WEBHOOK_SECRET = "whsec_" + "A" * 32


def _rendering(project, alice, make_video, submitted_ago: float, progress: int = 10) -> Video:
    now = timezone.now()
    return make_video(
        project, alice, status=Video.Status.IN_PROGRESS, progress=progress, upstream_id=f"video_{submitted_ago}",
        submitted_at=now - timedelta(seconds=submitted_ago),
    )  # fmt: skip


def _finished(project, alice, make_video, took: float) -> None:
    now = timezone.now()
    make_video(
        project, alice, submitted_at=now - timedelta(seconds=took + 100), completed_at=now - timedelta(seconds=100)
    )


def test_without_webhooks_polling_stays_adaptive(project, alice, make_video):
    video = _rendering(project, alice, make_video, submitted_ago=0, progress=0)
    assert not polling.webhooks_reach_us(video.provider)
    assert poll_delay(video, now=video.submitted_at).total_seconds() == 2.0


def test_with_webhooks_the_first_look_is_after_the_expected_render_time(project, alice, make_video, webhooks):
    for took in (20, 30, 40):  # median 30 s
        _finished(project, alice, make_video, took)
    video = _rendering(project, alice, make_video, submitted_ago=0)
    assert polling.webhooks_reach_us(video.provider)
    first = poll_delay(video, now=video.submitted_at).total_seconds()
    assert first == pytest.approx(30 * polling.FIRST_LOOK_MARGIN + 2.0)
    # halfway through, the same moment is kept
    assert poll_delay(video, now=video.submitted_at + timedelta(seconds=10)).total_seconds() == pytest.approx(
        first - 10
    )


def test_with_webhooks_after_the_first_look_it_looks_rarely(project, alice, make_video, webhooks):
    video = _rendering(project, alice, make_video, submitted_ago=0)
    late = video.submitted_at + timedelta(seconds=polling.DEFAULT_RENDER_SECONDS * 2)
    assert poll_delay(video, now=late).total_seconds() == 300.0


def test_with_no_finished_render_yet_the_expectation_is_the_default(project, alice, make_video, webhooks):
    video = _rendering(project, alice, make_video, submitted_ago=0)
    assert polling.expected_render_seconds(video) == polling.DEFAULT_RENDER_SECONDS


def test_a_simulator_secret_without_a_delivery_url_is_not_webhooks(project, alice, make_video, settings):
    settings.SIM_WEBHOOK_URL = ""
    settings.SIM_WEBHOOK_SECRET = "whsec_" + "A" * 32
    video = _rendering(project, alice, make_video, submitted_ago=0, progress=0)
    assert not polling.webhooks_reach_us(video.provider)
