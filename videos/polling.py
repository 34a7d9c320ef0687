"""When to look at a rendering job again.

- A provider whose webhooks reach the studio (its `whsec_` secret is set; for the built-in simulator also
  SIM_WEBHOOK_URL) tells the studio when a job ends: the webhook queues the job's refresh (one retrieve) and its
  archive at once. Polling is then only a safety net for a lost delivery: a first look a little after the job's
  expected render time (what this provider's recent renders of the model took), then one every
  POLL_WEBHOOK_SECONDS. A video then costs 5 upstream calls: create, 1 retrieve, 3 downloads.
- Without webhooks: adaptive polling by the job's own pace (videos.services.poll_delay).
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from providers.clients import webhook_secret_for

DEFAULT_RENDER_SECONDS = 60.0  # expected render time of a provider and model with no finished render yet
RECENT = 20  # renders the expectation is the median of
EXPECTED_CACHE_SECONDS = 600
FIRST_LOOK_MARGIN = 1.25  # the first safety look: this much after the expected render time (the webhook first)


def webhooks_reach_us(provider) -> bool:
    if provider.is_simulator:
        return bool(settings.SIM_WEBHOOK_URL and settings.SIM_WEBHOOK_SECRET)
    return bool(webhook_secret_for(provider))


def expected_render_seconds(video) -> float:
    """The median render time (submitted -> completed upstream) of the provider's last renders of this model; kept a
    few minutes in the cache (one indexed query otherwise)."""
    key = f"videos:render-seconds:{video.provider_id}:{video.model}"
    seconds = cache.get(key)
    if seconds is None:
        from videos.models import Video

        rows = (
            Video.objects.filter(
                provider_id=video.provider_id, model=video.model, completed_at__isnull=False, submitted_at__isnull=False
            )
            .order_by("-completed_at")
            .values_list("submitted_at", "completed_at")[:RECENT]
        )
        took = [(done - sent).total_seconds() for sent, done in rows if done > sent]
        seconds = statistics.median(took) if took else DEFAULT_RENDER_SECONDS
        cache.set(key, seconds, EXPECTED_CACHE_SECONDS)
    return seconds


def safety_net_delay(video, now: datetime | None = None) -> timedelta:
    """With webhooks: the first look a little after the expected end of the render, then every
    POLL_WEBHOOK_SECONDS."""
    now = now or timezone.now()
    elapsed = (now - video.submitted_at).total_seconds() if video.submitted_at else 0.0
    first = expected_render_seconds(video) * FIRST_LOOK_MARGIN + settings.POLL_MIN_SECONDS
    seconds = first - elapsed if elapsed < first else settings.POLL_WEBHOOK_SECONDS
    return timedelta(seconds=max(settings.POLL_MIN_SECONDS, seconds))
