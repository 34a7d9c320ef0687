"""Webhooks first, polling as the fallback: the simulator's signed `video.completed` reaches the studio's endpoint,
which finishes the job at once, while the poller is far from its next look."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from tests.conftest import start, wait_for
from videos import services, tasks
from videos.models import Video, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec_" + base64.b64encode(b"studio-and-simulator-share-this!").decode()


def test_a_signed_completion_webhook_finishes_the_job_without_polling(studio, settings, monkeypatch, alice, project):
    settings.SIM_WEBHOOK_SECRET = SECRET
    settings.SIM_WEBHOOK_URL = f"{studio.url}/webhooks/openai/"
    settings.SIM_RENDER_SECONDS = 1.0
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: None)  # no poller at all
    video = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A tram at night", model="sora-2",
                                  size="720x1280", seconds=4)  # fmt: skip
    start(video)
    Video.objects.filter(id=video.id).update(next_poll_at=timezone.now() + timedelta(hours=1))

    # The webhook's refresh runs inline (django-q2 sync mode in tests), then archiving.
    video = wait_for(
        lambda: Video.objects.filter(id=video.id, status=Video.Status.COMPLETED).first(), timeout=60, what="the webhook"
    )

    assert video.asset_map["video"].sha256
    event = WebhookEvent.objects.get()
    assert (event.event_type, event.upstream_id) == ("video.completed", video.upstream_id)


def test_with_webhooks_a_video_costs_five_upstream_calls(studio, settings, monkeypatch, alice, project):
    """Create, one retrieve (the webhook's refresh), three downloads; the poller's first look is the safety net's,
    long after the render (issue #12)."""
    from videos import polling
    from videos.sora.client import SoraClient

    settings.SIM_WEBHOOK_SECRET = SECRET
    settings.SIM_WEBHOOK_URL = f"{studio.url}/webhooks/openai/"
    settings.SIM_RENDER_SECONDS = 1.0
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: None)
    calls = []
    attempt = SoraClient._attempt

    def counted(self, method, url, **kwargs):  # counts, then sends for real
        calls.append((method, url.split("/v1/", 1)[-1]))
        return attempt(self, method, url, **kwargs)

    monkeypatch.setattr(SoraClient, "_attempt", counted)
    video = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A tram at dawn", model="sora-2",
                                  size="720x1280", seconds=4)  # fmt: skip
    start(video)
    row = Video.objects.get(id=video.id)
    assert row.next_poll_at >= row.submitted_at + timedelta(seconds=polling.DEFAULT_RENDER_SECONDS)

    video = wait_for(
        lambda: Video.objects.filter(id=video.id, status=Video.Status.COMPLETED).first(), timeout=60, what="the webhook"
    )
    wait_for(lambda: len(Video.objects.get(id=video.id).asset_map) >= 3, timeout=30, what="the archive")

    assert [m for m, _ in calls] == ["POST", "GET", "GET", "GET", "GET"], calls
    assert calls[0][1] == "videos" and calls[1][1] == f"videos/{video.upstream_id}"
    assert sorted(path.split("?")[0] for _, path in calls[2:]) == [f"videos/{video.upstream_id}/content"] * 3
