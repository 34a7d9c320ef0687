"""django-q2 tasks: a thin interface. Each takes ids, loads rows, calls one service, and is safe to run twice.

One task per job step, so a slow provider holds only its own jobs' tasks:
- `dispatch` claims free slots (a short transaction per provider) and enqueues one `start_video` per claimed job;
- `start_video` creates one job upstream; `poll_video` asks about one job; `archive_video` saves one job's files;
- `tick` is the clock: scheduled every minute and kicked when work appears, it hands due polls to `poll_video`
  tasks, hands retry-due jobs to the dispatcher, and reconciles whatever a dead worker left. It makes no upstream
  call itself; it sleeps between due times for a bounded while, then hands over to the next tick.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from accounts.actors import Actor
from videos import leases, lifecycle, services
from videos.models import Video

log = logging.getLogger(__name__)
Status = Video.Status
TASKS = Actor.system("task")


# ---------------------------------------------------------------------------------------------------------------
# Enqueueing (dotted paths, ids only: never keys or prompts in the queue)
# ---------------------------------------------------------------------------------------------------------------
# A dispatch or a tick already waiting in the queue is not queued again: under a burst (many submissions, one
# worker) every submission, start, archive and watchdog look would otherwise queue its own, the queue would fill
# with them, and a start task waiting behind them past its lease would be taken over and queued again, on and on
# (bench/throughput.py found it: 131 tasks queued for 20 videos, 80 of them ticks). The mark is a short lease, so a
# queued task lost with its worker holds nothing back for long; the task clears it as it begins.
QUEUED_MARK_SECONDS = 10.0


def _mark_queued(name: str) -> bool:
    """True if nothing of this name was waiting in the queue (and now it is marked as waiting)."""
    try:
        return leases.acquire(f"queued:{name}", QUEUED_MARK_SECONDS) is not None
    except leases.LOST_CONNECTION:
        return True  # cannot tell: queue it (two do no harm)


def _unmark_queued(name: str) -> None:
    try:
        leases.clear(f"queued:{name}")
    except leases.LOST_CONNECTION:
        pass  # the mark runs out by itself


def enqueue_dispatch() -> None:
    if Conf.SYNC or _mark_queued("dispatch"):
        async_task("videos.tasks.dispatch", task_name="dispatch videos", group="dispatch")


def enqueue_start(video_id: int, token: str) -> None:
    async_task("videos.tasks.start_video", video_id, token, task_name=f"start video {video_id}", group="start")


def enqueue_poll(video_id: int) -> None:
    async_task("videos.tasks.poll_video", video_id, task_name=f"poll video {video_id}", group="poll")


def enqueue_archive(video_id: int) -> None:
    async_task("videos.tasks.archive_video", video_id, task_name=f"archive video {video_id}", group="archive")


def enqueue_tick() -> None:
    if Conf.SYNC or _mark_queued("tick"):
        async_task("videos.tasks.tick", task_name="tick", group="tick")


def enqueue_refresh(video_id: int) -> None:
    async_task("videos.tasks.refresh_video", video_id, task_name=f"refresh video {video_id}", group="refresh")


# ---------------------------------------------------------------------------------------------------------------
# One task per job step
# ---------------------------------------------------------------------------------------------------------------
def dispatch() -> int:
    """Claim what may start now and hand each job to its own start task. Returns how many were claimed."""
    _unmark_queued("dispatch")  # what arrives from now on needs a dispatch of its own
    claimed = services.jobs_claim_startable(actor=TASKS)
    for video_id, token in claimed:
        enqueue_start(video_id, token)
    if claimed:
        kick_tick()
    return len(claimed)


def start_video(video_id: int, token: str) -> None:
    services.video_start(video_id=video_id, token=token, actor=TASKS)
    kick_tick()


def poll_video(video_id: int) -> None:
    services.video_poll(video_id=video_id, actor=TASKS)


def archive_video(video_id: int) -> None:
    services.video_archive(video_id=video_id, actor=TASKS)


def refresh_video(video_id: int) -> None:
    """Bring one video up to date from the upstream now (after a webhook, or from the admin)."""
    video = Video.objects.filter(id=video_id).first()
    if video is not None and video.upstream_id and video.status in Video.IN_FLIGHT:
        services.video_poll(video_id=video_id, actor=TASKS)


# ---------------------------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------------------------
def reconcile(now=None) -> None:
    """Resume whatever a dead worker (or a lost task: Redis delivers at most once) left: creates whose lease expired,
    archives that stopped, waiting jobs whose dispatch never ran."""
    now = now or timezone.now()
    stale = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    for video in Video.objects.filter(stale, status=Status.SUBMITTING).only("id", "status"):
        token = lifecycle.new_token()
        if lifecycle.take_over(video, token, now):
            enqueue_start(video.id, token)
    for video_id in Video.objects.filter(stale, status=Status.ARCHIVING).values_list("id", flat=True):
        enqueue_archive(video_id)
    ready = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    if Video.objects.filter(ready, status=Status.PENDING, deleted_at__isnull=True).exists():
        enqueue_dispatch()


# Jobs a worker holds under a lease (creating or saving them): if that worker dies, only the reconciler, which runs
# inside a tick, takes them over once the lease runs out. So the clock keeps going while any exist.
HELD = (Status.SUBMITTING, Status.ARCHIVING)


def _work_left() -> bool:
    return Video.objects.filter(
        Q(status__in=Video.RENDERING) | Q(status__in=HELD) | Q(status=Status.PENDING, retry_at__isnull=False)
    ).exists()


def kick_tick() -> None:
    """Make sure a tick is running while jobs are in flight (a no-op when one holds the clock's lease)."""
    if not leases.held("ticker") and _work_left():
        enqueue_tick()


TICK_LEASE = 10.0  # seconds; renewed every round, so a dead tick is replaced within this (see watch_clock)
WATCH_EVERY = 5.0  # seconds between a worker process's looks at the clock


def watch_clock(stop: threading.Event, every: float = WATCH_EVERY) -> None:
    """Run in every worker process (a thread started when django-q2 spawns the process, videos/apps.py): keep a
    tick running while there is work. The clock itself is a task, and a task dies with its worker; without this, a
    clock lost with a killed machine would wait for the minute schedule (60-90 s) while every poll stood still."""
    from django.db import connection

    while not stop.wait(every * random.uniform(0.8, 1.2)):
        try:
            kick_tick()
        except Exception as exc:  # a lost connection or broker: the next look tries again
            log.warning("clock watchdog: %s", exc)
        finally:
            connection.close()


SHORT_TICKS_UP_TO_WORKERS = 2


def tick(max_seconds: float | None = None) -> int:
    """Hand out due polls, retries and reconciling until nothing is left to follow or time is up. One at a time
    (a short lease, renewed every round); no upstream call happens here. A lost database connection is reopened
    and the round tried again; a database that stays unavailable for a while (connections refused or terminated,
    SQLite locked past its timeout) does not stop the clock: the round is tried again a moment later, until the
    tick's time is up. Returns how many polls it handed out."""
    max_seconds = settings.FOLLOW_MAX_SECONDS if max_seconds is None else max_seconds
    if Conf.WORKERS <= SHORT_TICKS_UP_TO_WORKERS and not Conf.SYNC:
        # A cluster of one or two workers: a tick that kept following would hold the only worker (or half of them)
        # while the polls it hands out wait behind it. One short pass, then it hands over to a tick queued behind
        # those polls (bench/throughput.py: with 2 workers, a following tick left 1.06x the jobs/s of 1 worker).
        max_seconds = min(max_seconds, 1.0)
    _unmark_queued("tick")
    token = leases.acquire("ticker", TICK_LEASE)
    if token is None:
        return 0
    handed = 0
    deadline = time.monotonic() + max_seconds
    last_reconcile = 0.0
    try:
        while True:
            try:
                if time.monotonic() - last_reconcile >= settings.RECONCILE_EVERY_SECONDS:
                    # At most once every RECONCILE_EVERY_SECONDS across ticks too (one worker runs a short tick
                    # after another, each of which would otherwise reconcile as it begins).
                    if leases.acquire("reconciled", settings.RECONCILE_EVERY_SECONDS) is not None:
                        leases.reconnecting(reconcile)
                    last_reconcile = time.monotonic()
                rounds = leases.reconnecting(_tick_round)
            except leases.LOST_CONNECTION as exc:
                # Still unavailable after a reconnect: look again shortly (every step is a conditional update, so
                # a round that half happened is safe to run again).
                log.warning("tick: the database is unavailable (%s: %s); trying again", type(exc).__name__, exc)
                rounds = _Round(0, timezone.now() + timedelta(seconds=0.5))
            handed += rounds.handed
            remaining = deadline - time.monotonic()
            if rounds.upcoming is None or remaining <= 0:
                break
            time.sleep(min(remaining, 1.0, max(0.05, (rounds.upcoming - timezone.now()).total_seconds())))
            try:
                still_ours = leases.renew("ticker", token, TICK_LEASE)
            except leases.LOST_CONNECTION:
                still_ours = True  # unknown: go on (two ticks at once do no harm); the next renewal tells
            if not still_ours:
                return handed  # another tick took over (this one stalled past its lease)
    finally:
        leases.release("ticker", token)
    # Work that arrived while this tick was finishing found the lease taken: hand over rather than leave it to the
    # once-a-minute schedule. (Not in django-q2's sync mode, used by unit tests: there the hand-over would recurse.)
    if not Conf.SYNC:
        try:
            more = _work_left()
        except leases.LOST_CONNECTION:
            more = True  # cannot tell: hand over, the next tick finds out
        if more:
            enqueue_tick()
    return handed


@dataclass
class _Round:
    handed: int
    upcoming: datetime | None


def _tick_round() -> _Round:
    """One round of the clock: hand out due polls, and due retries to the dispatcher. Returns when to look next."""
    now = timezone.now()
    handed = 0
    for video_id in lifecycle.claim_due_polls(now):
        enqueue_poll(video_id)
        handed += 1
    retry_at = Video.objects.filter(status=Status.PENDING, retry_at__isnull=False).aggregate(at=Min("retry_at"))["at"]
    if retry_at is not None and retry_at <= now:
        dispatch()
        retry_at = None
    upcoming = Video.objects.filter(status__in=Video.RENDERING).aggregate(at=Min("next_poll_at"))["at"]
    # A held job's lease running out is a due time too: then the reconciler takes it over (a dead worker's job is
    # resumed within seconds of its lease, not at the next scheduled tick); one not held yet, at the next reconcile.
    held = Video.objects.filter(status__in=HELD).aggregate(n=Count("id"), lease=Min("lease_until"))
    held_at = None
    if held["n"]:
        soonest = now + timedelta(seconds=settings.RECONCILE_EVERY_SECONDS)
        held_at = max(held["lease"] or soonest, soonest)
    for at in (retry_at, held_at):
        if at is not None:
            upcoming = min(upcoming, at) if upcoming else at
    return _Round(handed, upcoming)
