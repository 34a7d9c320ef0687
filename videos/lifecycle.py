"""The job lifecycle: the one module that writes a job's state.

Every change of a video's `status` (and of the fields that travel with it: the upstream id, leases, retry and poll
times, progress, the error, tombstones) is a conditional UPDATE here, allowed by the transition table below, so a
task that runs twice (the ORM broker delivers at least once), a webhook racing a poll, or a delete racing the
dispatcher can never move a job along a path the table does not have. Services decide *what* should happen and call
these functions; nothing else in the studio writes these fields.

    PENDING ──claim──> SUBMITTING ──upstream answered──> QUEUED ──> IN_PROGRESS ──> ARCHIVING ──> COMPLETED
       ^                  │  └──────> IN_PROGRESS / ARCHIVING (a fast server)            │
       └──retry later─────┘                                                               │
    PENDING, SUBMITTING, QUEUED, IN_PROGRESS, ARCHIVING ──────────────> FAILED <─────────┘ (files lost)
    PENDING, QUEUED, IN_PROGRESS ──a member (or staff) cancels──> CANCELLED

Who may cause a transition is part of the table: the studio itself (a task, a webhook, the scheduler) moves jobs
along the pipeline; a member (session or token) or staff may cancel.

Leases: a worker that creates or archives a job holds it by a token (`lease_token`) until `lease_until`; it renews
the lease while it works, and an expired lease can be taken over by the reconciler. `retry_at` is separate: a job
sent back to wait after a failed start is not started again before it.

Every transition sends `job_transition` once the transaction commits (the audit log, notifications and outgoing
webhooks listen to it), and every failure is logged with its reason.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from accounts.actors import SYSTEM, Actor, ActorKind
from videos.models import Video

log = logging.getLogger(__name__)
Status = Video.Status



def _lease() -> timedelta:
    """15 s; on SQLite, at least twice its lock wait. A heartbeat that waits behind another writer's lock for the whole
    wait (20 s by default) must still renew before the lease runs out: were the lease shorter, a living worker's job
    could be taken over while its create is still on the wire, and made twice upstream."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return timedelta(seconds=max(15.0, 2 * float(db.get("OPTIONS", {}).get("timeout", 5))))
    return timedelta(seconds=15)


# A worker holding a lease on a video (creating or archiving it) is presumed dead after this long without renewing;
# while it works it renews the lease every third of that (a heartbeat), so a dead worker is noticed in seconds: its
# job is taken over by the clock's next reconcile (tests/deploy/test_multiworker.py: within 30 s of a SIGKILL on
# PostgreSQL; on SQLite, the embedded one-machine default, within its longer lease).
LEASE = _lease()
# A poll handed to a task is not handed out again for this long (a task lost with its worker is retried after it;
# a poll that runs twice only reads the job twice).
POLL_CLAIM = timedelta(seconds=15)

# Sent on commit after every transition: sender=Video, video_id, public_id, old, new, actor, reason.
job_transition = Signal()

_STUDIO = frozenset({ActorKind.SYSTEM})
_PEOPLE = frozenset({ActorKind.MEMBER, ActorKind.TOKEN, ActorKind.STAFF})

# (from, to) -> who may cause it.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.PENDING, Status.SUBMITTING): _STUDIO,
    (Status.SUBMITTING, Status.PENDING): _STUDIO,
    (Status.SUBMITTING, Status.QUEUED): _STUDIO,
    (Status.SUBMITTING, Status.IN_PROGRESS): _STUDIO,
    (Status.SUBMITTING, Status.ARCHIVING): _STUDIO,
    (Status.QUEUED, Status.IN_PROGRESS): _STUDIO,
    (Status.QUEUED, Status.ARCHIVING): _STUDIO,
    (Status.IN_PROGRESS, Status.ARCHIVING): _STUDIO,
    (Status.ARCHIVING, Status.COMPLETED): _STUDIO,
    **{(s, Status.FAILED): _STUDIO for s in (Status.PENDING, Status.SUBMITTING, Status.QUEUED, Status.IN_PROGRESS,
                                             Status.ARCHIVING)},
    **{(s, Status.CANCELLED): _PEOPLE for s in Video.CANCELLABLE},
}  # fmt: skip
# Deleting (a row, or a tombstone) is allowed from these states only: nothing is being made or saved upstream.
DELETABLE = Video.DELETABLE


class TransitionNotAllowed(Exception):
    """A caller asked for a transition the table does not have (a programming error, not a race)."""


@dataclass(frozen=True)
class Change:
    video_id: int
    public_id: uuid.UUID
    old: str
    new: str
    actor: Actor
    reason: str = ""


def upstream_key(upstream_id: str) -> str:
    """What makes an upstream id unique per provider whatever its length (ids are opaque, some are 1,000+ chars)."""
    return hashlib.sha256(upstream_id.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return uuid.uuid4().hex


def _sources(to: str, actor: Actor, from_: Iterable[str] | None) -> list[str]:
    allowed = [old for (old, new), who in TRANSITIONS.items() if new == to and actor.kind in who]
    if from_ is not None:
        wanted = list(from_)
        unknown = [old for old in wanted if (old, to) not in TRANSITIONS]
        if unknown:
            raise TransitionNotAllowed(f"{', '.join(unknown)} -> {to} is not in the lifecycle")
        allowed = [old for old in wanted if old in allowed]
    if not allowed:
        raise TransitionNotAllowed(f"{actor.kind} may not move a job to {to}")
    return allowed


def _announce(video: Video, old: str, new: str, actor: Actor, reason: str, code: str = "") -> None:
    change = Change(video.id, video.public_id, old, new, actor, reason)

    def send() -> None:
        if new == Status.FAILED:
            log.warning("video %s failed (was %s, provider %s): %s %s", change.public_id, old, video.provider_id, code,
                        reason)  # fmt: skip
        job_transition.send(
            sender=Video, video_id=change.video_id, public_id=change.public_id, old=change.old, new=change.new,
            actor=change.actor, reason=change.reason,
        )  # fmt: skip

    transaction.on_commit(send)


def transition(
    video: Video,
    to: str,
    *,
    actor: Actor = SYSTEM,
    from_: Iterable[str] | None = None,
    token: str | None = None,
    reason: str = "",
    extra: Q | None = None,
    now: datetime | None = None,
    **fields,
) -> str | None:
    """Move `video` to `to` if it is in one of the allowed states (and, with `token`, still held by that lease).

    Writes `fields` in the same UPDATE. Returns the state it left, or None when another writer got there first.
    """
    now = now or timezone.now()
    for old in _sources(to, actor, from_):
        match = Video.objects.filter(id=video.id, status=old)
        if token is not None:
            match = match.filter(lease_token=token)
        if extra is not None:
            match = match.filter(extra)
        if match.update(status=to, updated_at=now, **fields):
            _announce(video, old, to, actor, reason, fields.get("error_code", ""))
            video.status = to
            for name, value in fields.items():
                if not isinstance(value, F):
                    setattr(video, name, value)
            return old
    return None


# ---------------------------------------------------------------------------------------------------------------
# Starting: claim, attempts, upstream id, retry later
# ---------------------------------------------------------------------------------------------------------------
def claim_start(video: Video, token: str, now: datetime | None = None) -> bool:
    """PENDING -> SUBMITTING under a fresh lease, unless it is being deleted or must wait for its retry time."""
    now = now or timezone.now()
    ready = Q(deleted_at__isnull=True) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    return (
        transition(
            video, Status.SUBMITTING, from_=[Status.PENDING], extra=ready, now=now, reason="claimed for a start",
            lease_token=token, lease_until=now + LEASE, retry_at=None,
        )  # fmt: skip
        is not None
    )


def take_over(video: Video, token: str, now: datetime | None = None) -> bool:
    """Take a job whose holder's lease expired (a dead worker), in SUBMITTING or ARCHIVING, under a fresh lease."""
    now = now or timezone.now()
    stale = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(
        Video.objects.filter(stale, id=video.id, status__in=[Status.SUBMITTING, Status.ARCHIVING]).update(
            lease_token=token, lease_until=now + LEASE, updated_at=now
        )
    )


def renew_lease(video: Video, token: str, now: datetime | None = None) -> bool:
    """Still ours? Then hold it for another LEASE. False: someone else holds it now (stop working on it)."""
    now = now or timezone.now()
    return bool(
        Video.objects.filter(id=video.id, lease_token=token, status__in=[Status.SUBMITTING, Status.ARCHIVING]).update(
            lease_until=now + LEASE
        )
    )


@contextmanager
def heartbeat(video: Video, token: str) -> Iterator[None]:
    """Keep the lease alive while a long call runs (a create that waits for its answer, a big download): a thread
    renews it every third of LEASE. If the worker dies, the renewals stop and the lease runs out within LEASE."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(LEASE.total_seconds() / 3):
                try:
                    renew_lease(video, token)
                except Exception as exc:  # a lost connection: the next beat (on a fresh one) tries again
                    log.warning("heartbeat of video %s: %s", video.public_id, exc)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{video.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def count_attempt(video: Video, token: str) -> bool:
    moved = Video.objects.filter(id=video.id, lease_token=token, status=Status.SUBMITTING).update(
        attempts=F("attempts") + 1
    )
    if moved:
        video.attempts += 1
    return bool(moved)


def attach_upstream(video: Video, upstream_id: str, now: datetime | None = None) -> bool:
    """Record the upstream job of a video being submitted (once: a second writer finds it set)."""
    now = now or timezone.now()
    moved = Video.objects.filter(id=video.id, status=Status.SUBMITTING, upstream_id__isnull=True).update(
        upstream_id=upstream_id, upstream_key=upstream_key(upstream_id), submitted_at=now, lease_until=None,
        lease_token="", next_poll_at=now, outcome_unknown_since=None, updated_at=now,
    )  # fmt: skip
    if moved:
        video.upstream_id, video.submitted_at, video.next_poll_at = upstream_id, now, now
        video.lease_until, video.lease_token = None, ""
    return bool(moved)


def retry_later(video: Video, token: str, *, after: timedelta, reason: str, counts: bool = True) -> bool:
    """SUBMITTING -> PENDING: nothing was made upstream; start it again (fairly, under the cap) after a pause.
    `counts=False`: the try does not count towards SORA_START_ATTEMPTS (the provider only asked to wait)."""
    now = timezone.now()
    extra = {} if counts else {"attempts": F("attempts") - 1}
    return (
        transition(
            video, Status.PENDING, from_=[Status.SUBMITTING], token=token, reason=reason, now=now,
            lease_token="", lease_until=None, retry_at=now + after, error_message=reason[:2000],
            outcome_unknown_since=None, **extra,
        )  # fmt: skip
        is not None
    )


def keep_for_reconcile(video: Video, token: str, *, wait: timedelta) -> None:
    """A create whose outcome is unknown: keep the lease (nothing else starts it) until the reconciler looks again,
    remembering since when the outcome is unknown (the bound on looking)."""
    now = timezone.now()
    Video.objects.filter(id=video.id, lease_token=token, status=Status.SUBMITTING).update(lease_until=now + wait)
    if Video.objects.filter(id=video.id, outcome_unknown_since__isnull=True).update(outcome_unknown_since=now):
        video.outcome_unknown_since = now


# ---------------------------------------------------------------------------------------------------------------
# Following the upstream job
# ---------------------------------------------------------------------------------------------------------------
def record_progress(video: Video, new_status: str, progress: int, next_poll_at: datetime) -> bool:
    """The upstream says it is queued or rendering: move forward (never back), note the progress, plan the next
    poll. Returns whether the row changed."""
    now = timezone.now()
    progress = max(video.progress, min(99, int(progress or 0)))
    fields = dict(progress=progress, next_poll_at=next_poll_at, poll_count=F("poll_count") + 1)
    if video.status != new_status:
        sources = [Status.SUBMITTING] if new_status == Status.QUEUED else [Status.SUBMITTING, Status.QUEUED]
        if transition(video, new_status, from_=sources, reason="upstream progress", now=now, **fields) is not None:
            video.progress = progress
            return True
    moved = Video.objects.filter(id=video.id, status=new_status).update(updated_at=now, **fields)
    if moved:
        video.status, video.progress = new_status, progress
    return bool(moved)


def poll_later(video: Video, at: datetime) -> None:
    Video.objects.filter(id=video.id, status__in=Video.RENDERING).update(next_poll_at=at)


def claim_due_polls(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Rendering jobs whose next poll is due, each handed out once (a lost poll task is retried after POLL_CLAIM)."""
    now = now or timezone.now()
    due = list(
        Video.objects.filter(status__in=Video.RENDERING, upstream_id__isnull=False, next_poll_at__lte=now)
        .order_by("next_poll_at")
        .values_list("id", flat=True)[:limit]
    )
    if due:
        Video.objects.filter(id__in=due, next_poll_at__lte=now).update(next_poll_at=now + POLL_CLAIM)
    return due


def upstream_finished(video: Video, *, completed_at: datetime, expires_at: datetime | None) -> bool:
    """The upstream made the video: keep its files next (ARCHIVING, under no lease yet)."""
    return (
        transition(
            video, Status.ARCHIVING, from_=Video.IN_FLIGHT, reason="upstream completed",
            progress=99, completed_at=completed_at, upstream_expires_at=expires_at, lease_until=None, lease_token="",
            next_poll_at=None,
        )  # fmt: skip
        is not None
    )


def cancel(video: Video, actor: Actor, *, message: str) -> str | None:
    """A member (or staff) stops a waiting or rendering job. Returns the state it left, or None (it moved on)."""
    now = timezone.now()
    return transition(
        video, Status.CANCELLED, actor=actor, from_=Video.CANCELLABLE, extra=Q(deleted_at__isnull=True), now=now,
        reason=message, error_code="cancelled", error_message=message, lease_until=None, lease_token="",
        next_poll_at=None, retry_at=None, completed_at=now,
    )  # fmt: skip


def fail(video: Video, *, code: str, message: str, token: str | None = None, actor: Actor = SYSTEM) -> bool:
    """Any unfinished state -> FAILED, with the reason a member can read."""
    now = timezone.now()
    return (
        transition(
            video, Status.FAILED, actor=actor, token=token, reason=message, now=now,
            error_code=(code or "failed")[:100], error_message=message, lease_until=None, lease_token="",
            next_poll_at=None, retry_at=None, completed_at=now,
        )  # fmt: skip
        is not None
    )


# ---------------------------------------------------------------------------------------------------------------
# Archiving
# ---------------------------------------------------------------------------------------------------------------
def claim_archive(video: Video, token: str, now: datetime | None = None) -> bool:
    """Hold an ARCHIVING job for saving its files (free, or held by a worker whose lease expired)."""
    now = now or timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(
        Video.objects.filter(free, id=video.id, status=Status.ARCHIVING).update(
            lease_token=token, lease_until=now + LEASE
        )
    )


def archive_later(video: Video, token: str, after: timedelta) -> None:
    Video.objects.filter(id=video.id, lease_token=token, status=Status.ARCHIVING).update(
        lease_until=timezone.now() + after
    )


def archived(video: Video, token: str) -> bool:
    now = timezone.now()
    return (
        transition(
            video, Status.COMPLETED, from_=[Status.ARCHIVING], token=token, reason="files saved", now=now,
            progress=100, archived_at=now, lease_until=None, lease_token="",
        )  # fmt: skip
        is not None
    )


# ---------------------------------------------------------------------------------------------------------------
# Deleting
# ---------------------------------------------------------------------------------------------------------------
def begin_delete(video: Video, actor: Actor) -> bool:
    """Claim the video for deletion: only when nothing is being made or saved (DELETABLE) and nobody claimed it
    already. The dispatcher's claim requires `deleted_at IS NULL`, so the two can never both win: either the job
    was started (and the delete is refused) or it never will be."""
    now = timezone.now()
    claimed = Video.objects.filter(id=video.id, status__in=DELETABLE, deleted_at__isnull=True).update(
        deleted_at=now, updated_at=now
    )
    if claimed:
        video.deleted_at = now
        _announce(video, video.status, "deleted", actor, "deleted")
    return bool(claimed)


def undo_delete(video: Video) -> None:
    """The upstream refused the delete: the video stays as it was."""
    Video.objects.filter(id=video.id, deleted_at=video.deleted_at).update(deleted_at=None)
    video.deleted_at = None


def insert_imported(video: Video, *, deleted_at: datetime | None = None) -> Video:
    """A video imported from another studio's export (transfer/): born completed and archived, with no upstream job
    (nothing to poll, start or archive), or as the tombstone it was there. Its timestamps are the original ones."""
    video.status, video.progress = Status.COMPLETED, 100
    video.upstream_id = video.upstream_key = None
    video.deleted_at = deleted_at
    created_at = video.created_at
    video.save(force_insert=True)
    if created_at is not None:
        Video.objects.filter(pk=video.pk).update(created_at=created_at)  # auto_now_add ignored it on insert
        video.created_at = created_at
    return video
