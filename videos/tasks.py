"""django-q2 tasks: a thin interface. Each takes ids, loads rows, calls services, and is safe to run twice."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from videos import leases, quotas, scheduling, services
from videos.models import Video

log = logging.getLogger(__name__)
Status = Video.Status


# ---------------------------------------------------------------------------------------------------------------
# Enqueueing (dotted paths, ids only: never keys or prompts in the queue)
# ---------------------------------------------------------------------------------------------------------------
def enqueue_dispatch() -> None:
    async_task("videos.tasks.dispatch_videos", task_name="dispatch videos", group="dispatch")


def enqueue_archive(video_id: int) -> None:
    async_task("videos.tasks.archive_video", video_id, task_name=f"archive video {video_id}", group="archive")


def enqueue_follow() -> None:
    async_task("videos.tasks.follow_videos", task_name="follow videos", group="follow")


def enqueue_refresh(video_id: int) -> None:
    async_task("videos.tasks.refresh_video", video_id, task_name=f"refresh video {video_id}", group="refresh")


# ---------------------------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------------------------
def _startable() -> list[int]:
    in_flight = Video.objects.filter(status__in=Video.IN_FLIGHT).count()
    return scheduling.pick_fairly(free_slots=settings.SORA_MAX_IN_FLIGHT - in_flight, user_cap=quotas.max_in_flight)


def dispatch_videos() -> int:
    """Start waiting videos while the site-wide cap allows, round-robin by user. One dispatcher at a time.

    A dispatch turned away because another one holds the lease relies on the holder: after letting go, the holder
    looks once more and goes on if videos became startable meanwhile (no lost wake-up)."""
    started = 0
    while (token := leases.acquire("dispatcher", 120)) is not None:
        try:
            while ids := _startable():
                started += sum(services.video_start(video_id=video_id) is not None for video_id in ids)
                leases.renew("dispatcher", token, 120)
        finally:
            leases.release("dispatcher", token)
        if not _startable():
            break
    if started:
        enqueue_follow()
    return started


def archive_video(video_id: int) -> None:
    services.video_archive(video_id=video_id)


def refresh_video(video_id: int) -> None:
    """Bring one video up to date from the upstream now (after a webhook, or from the admin)."""
    video = Video.objects.filter(id=video_id).first()
    if video is not None and video.upstream_id and video.status in Video.IN_FLIGHT:
        services.video_poll(video_id=video_id)


def reconcile() -> None:
    """Finish every job whatever died: creates whose worker vanished, archives that stopped, free slots unused."""
    now = timezone.now()
    for video_id in Video.objects.filter(status=Status.SUBMITTING, lease_until__lt=now).values_list("id", flat=True):
        services.video_start(video_id=video_id)
    stale_archives = Video.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now), status=Status.ARCHIVING
    ).values_list("id", flat=True)
    for video_id in stale_archives:
        enqueue_archive(video_id)
    if Video.objects.filter(status=Status.PENDING).exists():
        enqueue_dispatch()


def follow_videos(max_seconds: float | None = None) -> int:
    """The poller: polls every job in flight when its (adaptive) next poll is due, until none is left or time is
    up. Scheduled every minute and kicked after each start; one runs at a time. Webhooks finish jobs earlier."""
    max_seconds = settings.FOLLOW_MAX_SECONDS if max_seconds is None else max_seconds
    token = leases.acquire("poller", max_seconds + 30)
    if token is None:
        return 0
    polls = 0
    deadline = time.monotonic() + max_seconds
    try:
        reconcile()
        while True:
            now = timezone.now()
            due = Video.objects.filter(
                status__in=Video.RENDERING, upstream_id__isnull=False, next_poll_at__lte=now
            ).values_list("id", flat=True)
            for video_id in due:
                services.video_poll(video_id=video_id)
                polls += 1
            # Videos sent back to wait after a failed start (with a backoff) are handed to the dispatcher when due.
            retry_at = Video.objects.filter(status=Status.PENDING, lease_until__isnull=False).aggregate(
                at=Min("lease_until")
            )["at"]
            if retry_at is not None and retry_at <= now:
                enqueue_dispatch()
                retry_at = now + timedelta(seconds=settings.POLL_MAX_SECONDS)
            upcoming = Video.objects.filter(status__in=Video.RENDERING).aggregate(
                at=Min("next_poll_at")
            )["at"]
            if retry_at is not None:
                upcoming = min(upcoming, retry_at) if upcoming else retry_at
            remaining = deadline - time.monotonic()
            if upcoming is None or remaining <= 0:
                break
            time.sleep(min(remaining, max(0.05, (upcoming - timezone.now()).total_seconds())))
            leases.renew("poller", token, max_seconds + 30)
    finally:
        leases.release("poller", token)
    # A job started while this poller was finishing found the lease taken: hand over rather than leave it to the
    # once-a-minute schedule.
    # (Not in django-q2's sync mode, used by unit tests: there the hand-over would recurse.)
    if not Conf.SYNC and Video.objects.filter(
        Q(status__in=Video.RENDERING) | Q(status=Status.PENDING, lease_until__isnull=False)
    ).exists():
        enqueue_follow()
    return polls
