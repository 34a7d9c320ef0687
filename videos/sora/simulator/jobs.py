"""Job lifecycle of the simulator: status from the clock, rendering in background threads, terminal transitions.

- A job's status derives from the time since it was created versus its ``render_seconds`` (SIM_RENDER_SECONDS at
  create), but it only reports ``completed`` once its media exist (progress is capped at 99 until then).
- Progress is the smaller of the time-based and the render-based percentage, stored with a conditional
  ``UPDATE … WHERE progress < new`` so it never goes down, whoever (which process) computes it.
- Rendering runs in a daemon thread started after the create commits. A job is rendered by whoever claims its
  lease (a conditional UPDATE on ``lease_until``), so a retrieve or content request in any process restarts an
  orphaned job (its renderer died) and two processes never render the same job at once.
- The terminal transition is one conditional UPDATE from a pending status; only its winner sends the webhook.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import shutil
import string
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from . import profiles, webhooks
from .models import SimVideo
from .profiles import Ids
from .render import REFERENCE_FILE, RenderSpec, render, seed_of

logger = logging.getLogger(__name__)

LEASE_SECONDS = 20.0  # renewed every few seconds by a live renderer; a dead one's job is free after this
QUEUED_FRACTION = 0.1  # the first 10 % of the render time a job reports "queued"
FAIL_FRACTION = 0.5  # a job bound to fail does so halfway through

_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()
_render_slots = threading.BoundedSemaphore(2)


def media_root() -> Path:
    return Path(settings.SIM_MEDIA_DIR)


def new_video_id(created_at: int) -> str:
    """``video_`` + 48 hex: 8 hex of created_at, then 40 random hex (contract 2.1)."""
    return f"video_{created_at:08x}{secrets.token_hex(20)}"


LONG_ID_RAW_BYTES = 900  # base64 makes ~1,200 characters of it
TASK_ID_ALPHABET = string.ascii_letters + string.digits


def new_ids(profile: profiles.Profile, created_at: int) -> tuple[str, str]:
    """(the id the profile's server hands out, the simulator's own contract-style id) for a new job."""
    upstream = new_video_id(created_at)
    if profile.ids == Ids.VLLM:
        return f"video_gen_{uuid.uuid4().hex}", upstream
    if profile.ids == Ids.UUID:
        return str(uuid.uuid4()), upstream
    if profile.ids == Ids.TASK:
        return "task_" + "".join(secrets.choice(TASK_ID_ALPHABET) for _ in range(32)), upstream
    if profile.ids == Ids.LONG:
        # Opaque: video_ + base64url of random bytes (the job is found by the stored id, never by decoding it). Not a
        # base64 of "key:value;..." text: a LiteLLM proxy in front would take that for its own routing id and unwrap it.
        # (The body starts with a digit, so no random "abc_" at its start reads as part of the "video_" prefix.)
        body = base64.urlsafe_b64encode(secrets.token_bytes(LONG_ID_RAW_BYTES)).decode().rstrip("=")
        return f"video_0{body}", upstream
    return upstream, upstream


def new_token() -> str:
    return secrets.token_hex(16)


# ---------------------------------------------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------------------------------------------
def start_thread(target, *args) -> None:
    """Run ``target(*args)`` in a daemon thread once the current transaction commits (at once in autocommit)."""

    def run() -> None:
        try:
            target(*args)
        except Exception:  # pragma: no cover  (logged, never kills the process)
            logger.exception("simulator background task %s failed", getattr(target, "__name__", target))
        finally:
            connection.close()
            with _threads_lock:
                _threads.discard(threading.current_thread())

    def spawn() -> None:
        thread = threading.Thread(target=run, name=f"sim-{getattr(target, '__name__', 'task')}", daemon=True)
        with _threads_lock:
            _threads.add(thread)
        thread.start()

    transaction.on_commit(spawn, robust=True)


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait for this process's simulator threads (renders, webhook deliveries) to finish. For tests and shutdown."""
    deadline = time.monotonic() + timeout
    while True:
        with _threads_lock:
            alive = [thread for thread in _threads if thread.is_alive()]
        if not alive:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        alive[0].join(min(remaining, 0.5))


# ---------------------------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------------------------
def _time_pct(job: SimVideo, now: float) -> int:
    if job.render_seconds <= 0:
        return 100
    return max(0, min(100, int(100 * (now - job.created) / job.render_seconds)))


def refresh(job: SimVideo, *, now: float | None = None, kick: bool = True) -> SimVideo:
    """Bring a pending job up to date (status, progress, terminal transition) and restart an orphaned render."""
    if job.status not in SimVideo.PENDING:
        return job
    now = time.time() if now is None else now
    elapsed = now - job.created
    if job.fail_code:
        if elapsed >= job.render_seconds * FAIL_FRACTION:
            finish(job.id, failed=True)
            return SimVideo.objects.get(pk=job.pk)
    elif job.media_ready and elapsed >= job.render_seconds:
        finish(job.id, failed=False)
        return SimVideo.objects.get(pk=job.pk)

    started = job.render_started is not None or job.fail_code
    if not started or elapsed < job.render_seconds * QUEUED_FRACTION:
        status, progress = SimVideo.Status.QUEUED, 0
    else:
        render_pct = 100 if job.fail_code else job.render_progress
        status = SimVideo.Status.IN_PROGRESS
        progress = min(99, _time_pct(job, now), render_pct)
        if job.fail_code:
            progress = min(progress, 49)
    if status == SimVideo.Status.IN_PROGRESS:
        SimVideo.objects.filter(pk=job.pk, status=SimVideo.Status.QUEUED).update(status=status)
    SimVideo.objects.filter(pk=job.pk, progress__lt=progress, status__in=SimVideo.PENDING).update(progress=progress)
    if kick:
        claim_and_start(job.pk, now=now)
    return SimVideo.objects.get(pk=job.pk)


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------
def claim_and_start(pk: int, *, now: float | None = None) -> bool:
    """Take the job's lease if nobody holds it and start its worker thread; False if someone else has it."""
    now = time.time() if now is None else now
    token = new_token()
    claimed = SimVideo.objects.filter(pk=pk, status__in=SimVideo.PENDING, lease_until__lt=now).update(
        lease_owner=token, lease_until=now + LEASE_SECONDS
    )
    if claimed != 1:
        return False
    start_thread(_work, pk, token)
    return True


def run_now(video_id: str) -> SimVideo:
    """Render and finish a job in the calling thread, ignoring its due time (tests and management use).

    It takes the job's lease over even if another renderer holds it: use it only where none is running (tests,
    whose transaction never lets the create's own thread start).
    """
    job = SimVideo.objects.get(id=video_id)
    token = new_token()
    if SimVideo.objects.filter(pk=job.pk, status__in=SimVideo.PENDING).update(
        lease_owner=token, lease_until=time.time() + LEASE_SECONDS
    ):
        SimVideo.objects.filter(pk=job.pk).update(created=job.created - job.render_seconds)
        _work(job.pk, token)
    return SimVideo.objects.get(pk=job.pk)


def _work(pk: int, token: str) -> None:
    """The worker for one job: render (unless it is bound to fail), then wait for its due time and finish it."""
    job = SimVideo.objects.filter(pk=pk, lease_owner=token).first()
    if job is None or job.status not in SimVideo.PENDING:
        return
    SimVideo.objects.filter(pk=pk, render_started__isnull=True).update(render_started=time.time())
    if job.fail_code:
        due = job.created + job.render_seconds * FAIL_FRACTION
    else:
        if not job.media_ready:
            try:
                _render(job, token)
            except _LeaseLost:
                return
            except Exception as exc:
                logger.exception("simulator render of %s failed", job.id)
                SimVideo.objects.filter(pk=pk, status__in=SimVideo.PENDING).update(
                    fail_code="internal_error", fail_message=f"Rendering failed: {type(exc).__name__}"
                )
                finish(job.id, failed=True)
                return
        due = job.created + job.render_seconds
    while True:
        remaining = due - time.time()
        if remaining <= 0:
            break
        # Keep the lease while waiting, so nobody else picks the job up.
        SimVideo.objects.filter(pk=pk, lease_owner=token).update(lease_until=time.time() + LEASE_SECONDS)
        time.sleep(min(remaining, LEASE_SECONDS / 4))
        if not SimVideo.objects.filter(pk=pk, status__in=SimVideo.PENDING).exists():
            return  # deleted or finished elsewhere
    finish(job.id, failed=bool(job.fail_code))


class _LeaseLost(Exception):
    """Another renderer took the job over (this one was presumed dead): stop quietly."""


def render_size(job: SimVideo) -> str:
    """The size the job is rendered at: its own, or its server's default when the request named none."""
    if job.size:
        return job.size
    return (profiles.get(job.profile) or profiles.PROFILES[profiles.DEFAULT]).render_default_size


def _render(job: SimVideo, token: str) -> None:
    width, height = (int(part) for part in render_size(job).split("x"))
    directory = Path(job.media_dir)
    reference = directory / REFERENCE_FILE
    spec = RenderSpec(
        width=width,
        height=height,
        seconds=int(job.seconds),
        prompt=job.prompt,
        palette_seed=int(job.palette_seed),
        scene_seed=seed_of(job.prompt),
        fps=settings.SIM_FPS,
        label=f"{job.model} {job.kind}",
        reference=reference if job.has_reference else None,
    )

    def progress(pct: int) -> None:
        SimVideo.objects.filter(pk=job.pk, render_progress__lt=pct).update(
            render_progress=pct, lease_until=time.time() + LEASE_SECONDS
        )
        if not SimVideo.objects.filter(pk=job.pk).exists():
            raise _LeaseLost  # deleted (a cancel) while rendering

    # Wait for a render slot, keeping the lease alive meanwhile.
    while not _render_slots.acquire(timeout=LEASE_SECONDS / 4):
        SimVideo.objects.filter(pk=job.pk, lease_owner=token).update(lease_until=time.time() + LEASE_SECONDS)
    try:
        if not SimVideo.objects.filter(pk=job.pk, lease_owner=token, status__in=SimVideo.PENDING).exists():
            raise _LeaseLost
        render(spec, directory, progress=progress, scratch=token)
    except _LeaseLost:
        if not SimVideo.objects.filter(pk=job.pk).exists():
            delete_media(job)  # cancelled: nobody will ask for these files
        raise
    finally:
        _render_slots.release()
    if not SimVideo.objects.filter(pk=job.pk).update(media_ready=True, render_progress=100):
        delete_media(job)  # deleted while the last frames were written
        raise _LeaseLost
    job.media_ready = True


# ---------------------------------------------------------------------------------------------------------------
# Terminal transitions
# ---------------------------------------------------------------------------------------------------------------
def finish(video_id: str, *, failed: bool) -> bool:
    """Move a pending job to completed (media must exist) or failed; True for the one caller that did it."""
    now = int(time.time())
    pending = SimVideo.objects.filter(id=video_id, status__in=SimVideo.PENDING)
    row = pending.values_list("profile", flat=True).first()
    profile = profiles.get(row or profiles.DEFAULT) or profiles.PROFILES[profiles.DEFAULT]
    with transaction.atomic():
        if failed:
            done = pending.update(
                status=SimVideo.Status.FAILED,
                completed_at=now,
                error_code=F("fail_code"),
                error_message=F("fail_message"),
                lease_until=0.0,
            )
        else:
            done = pending.filter(media_ready=True).update(
                status=SimVideo.Status.COMPLETED,
                progress=100,
                completed_at=now,
                expires_at=now + settings.SIM_ASSET_TTL_SECONDS if profile.expires else None,
                lease_until=0.0,
            )
        if done == 1 and profile.webhooks:
            webhooks.enqueue(video_id, "video.failed" if failed else "video.completed")
    return done == 1


def sweep_expired(now: float | None = None, batch: int = 20) -> int:
    """Remove the files of a few jobs past ``expires_at`` (rows stay; their content is a 404 anyway)."""
    now = time.time() if now is None else now
    expired = SimVideo.objects.filter(status=SimVideo.Status.COMPLETED, media_ready=True, expires_at__lte=int(now))
    swept = 0
    for job in expired.order_by("expires_at")[:batch]:
        if SimVideo.objects.filter(pk=job.pk, media_ready=True).update(media_ready=False):
            delete_media(job)
            swept += 1
    return swept


def delete_media(job: SimVideo) -> None:
    shutil.rmtree(job.media_dir, ignore_errors=True)


def remove(job: SimVideo) -> bool:
    """Delete the job and its files, whatever its state: a renderer still busy with it stops at its next step and
    removes what it wrote (see _render). True for the one caller that deleted it."""
    deleted = SimVideo.objects.filter(pk=job.pk).delete()[0] > 0
    if deleted:
        delete_media(job)
    return deleted


def payload(job: SimVideo) -> dict:
    """The ``video`` object of the contract (2.1)."""
    error = {"code": job.error_code, "message": job.error_message} if job.status == SimVideo.Status.FAILED else None
    return {
        "id": job.id,
        "object": "video",
        "model": job.model,
        "status": job.status,
        "progress": 100 if job.status == SimVideo.Status.COMPLETED else job.progress,
        "created_at": job.created_at,
        "completed_at": job.completed_at,
        "expires_at": job.expires_at,
        "prompt": job.prompt,
        "size": job.size,
        "seconds": job.seconds,
        "remixed_from_video_id": job.remixed_from_video_id,
        "error": error,
    }


def dumps(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
