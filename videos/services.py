"""Writes for videos: every door (form, admin, API, task, webhook) goes through these.

Upstream calls never happen inside a database transaction that holds locks; tasks take ids, load rows and call one
service each. Every transition is a conditional UPDATE, so a task that runs twice (the ORM broker delivers at least
once) or races a webhook does no harm.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Project, User
from videos.models import SoraModel, Video
from videos.sora import client as sora_client
from videos.sora.catalog import CONTENT, PROMPT_MAX_LENGTH, VARIANTS
from videos.sora.errors import SoraError
from videos.sora.types import ImageUpload

log = logging.getLogger(__name__)
Status = Video.Status

# A worker holding a lease on a video (creating or archiving it) is presumed dead after this long.
LEASE = timedelta(minutes=5)


# ---------------------------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------------------------
def _clean_prompt(prompt: str) -> str:
    prompt = (prompt or "").strip()
    if not prompt:
        raise ValidationError({"prompt": "Describe the video: the prompt is empty."})
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise ValidationError(
            {"prompt": f"The prompt is {len(prompt):,} characters; the limit is {PROMPT_MAX_LENGTH:,}."}
        )
    return prompt


def model_for(name: str) -> SoraModel:
    try:
        return SoraModel.objects.get(name=name, is_active=True)
    except SoraModel.DoesNotExist:
        raise ValidationError({"model": f"“{name}” is not a model this studio offers."}) from None


def _check_shape(spec: SoraModel, size: str, seconds: int) -> None:
    if size not in spec.sizes:
        raise ValidationError({"size": f"{spec.name} makes videos of {', '.join(spec.sizes)}, not {size}."})
    if str(seconds) not in [str(s) for s in spec.seconds]:
        raise ValidationError({"seconds": f"{spec.name} makes videos of {', '.join(map(str, spec.seconds))} seconds."})


def _existing_for_token(user: User, submit_token: uuid.UUID | None) -> list[Video]:
    if submit_token is None:
        return []
    return list(Video.objects.filter(owner=user, submit_token=submit_token).order_by("id"))


def _enqueue_dispatch() -> None:
    from videos import tasks

    transaction.on_commit(tasks.enqueue_dispatch)


@transaction.atomic
def video_submit(
    *,
    project: Project,
    user: User,
    prompt: str,
    model: str,
    size: str,
    seconds: int,
    input_reference=None,
    input_fit: str = "",
    submit_token: uuid.UUID | None = None,
) -> Video:
    """Validate, reserve the quota, save, and enqueue on commit. Returns the new (or, for a repeated submit, the
    existing) video. `input_reference` is an already fitted image file (see videos.images.fit_image)."""
    existing = _existing_for_token(user, submit_token)
    if existing:
        return existing[0]
    prompt = _clean_prompt(prompt)
    spec = model_for(model)
    _check_shape(spec, size, int(seconds))
    video = Video(
        project=project,
        owner=user,
        prompt=prompt,
        model=spec.name,
        size=size,
        seconds=int(seconds),
        input_fit=input_fit if input_reference else "",
        submit_token=submit_token,
        estimated_cost=spec.cost(size, int(seconds)),
    )
    if input_reference is not None:
        video.input_reference.save(input_reference.name, input_reference, save=False)
    return _save_new([video])[0]


def _save_new(videos: list[Video]) -> list[Video]:
    from videos import quotas

    for video in videos:
        video.full_clean(exclude=["input_reference", "remixed_from"])
    try:
        with transaction.atomic():
            for video in videos:
                video.save()
            # After the rows exist (the ledger points at them), in the same transaction: a refusal
            # (quotas.QuotaExceeded) rolls the videos back, so nothing is created or enqueued.
            quotas.reserve(videos)
    except IntegrityError:
        # The same submit token raced in from a double click: the first one won.
        existing = _existing_for_token(videos[0].owner, videos[0].submit_token)
        if existing:
            return existing
        raise
    _enqueue_dispatch()
    return videos


def remix_check(parent: Video, now: datetime) -> None:
    if parent.is_deleted:
        raise ValidationError("This video was deleted, so it cannot be remixed.")
    if parent.status != Status.COMPLETED:
        raise ValidationError("Only a completed video can be remixed.")
    if parent.upstream_expires_at is None and not parent.upstream_id:
        raise ValidationError("This video was never rendered upstream, so it cannot be remixed.")
    if not parent.is_remixable(now):
        raise ValidationError(
            f"Remixing is allowed for {settings.REMIX_WINDOW_HOURS} hours after a video is created; "
            f"this one's window closed on {parent.remix_deadline():%d %b %Y at %H:%M} UTC."
        )


@transaction.atomic
def video_remix(
    *, parent: Video, user: User, prompts: list[str], submit_token: uuid.UUID | None = None, now: datetime | None = None
) -> list[Video]:
    """One remix per prompt (several variations from one parent in one submit); each inherits model, size and
    seconds."""
    existing = _existing_for_token(user, submit_token)
    if existing:
        return existing
    now = now or timezone.now()
    remix_check(parent, now)
    prompts = [_clean_prompt(p) for p in prompts if p and p.strip()]
    if not prompts:
        raise ValidationError({"prompt": "Describe the change: the prompt is empty."})
    if len(prompts) > settings.REMIX_MAX_VARIATIONS:
        raise ValidationError(f"At most {settings.REMIX_MAX_VARIATIONS} variations at once.")
    spec = SoraModel.objects.filter(name=parent.model).first()
    cost = spec.cost(parent.size, parent.seconds) if spec and parent.size in spec.sizes else parent.estimated_cost
    videos = [
        Video(
            project=parent.project,
            owner=user,
            prompt=prompt,
            model=parent.model,
            size=parent.size,
            seconds=parent.seconds,
            remixed_from=parent,
            # Only the first of a batch carries the token: the unique (owner, token) rule allows one row.
            submit_token=submit_token if i == 0 else None,
            estimated_cost=cost,
        )
        for i, prompt in enumerate(prompts)
    ]
    return _save_new(videos)


# ---------------------------------------------------------------------------------------------------------------
# Talking to the upstream
# ---------------------------------------------------------------------------------------------------------------
def client_for(model_name: str) -> sora_client.SoraClient:
    spec = SoraModel.objects.filter(name=model_name).only("base_url", "api_key_env").first()
    if spec is not None and spec.base_url:
        # The key is named, never stored: the registry row holds the name of an environment variable.
        api_key = os.environ.get(spec.api_key_env, "") if spec.api_key_env else ""
        if not api_key:
            raise SoraError(
                f"The model {spec.name} is served by {spec.base_url}, but its key variable "
                f"{spec.api_key_env or '(none set in the model registry)'} is empty on this server.",
                retryable=False,
            )
        return sora_client.SoraClient(
            api_key=api_key,
            base_url=spec.base_url,
            timeout=(settings.SORA_TIMEOUT_CONNECT, settings.SORA_TIMEOUT_READ),
            max_retries=settings.SORA_MAX_RETRIES,
        )
    return sora_client.get_client()


def _claim(video_id: int, from_statuses, to_status: str, now: datetime) -> bool:
    """Take the video from one of `from_statuses` (or from `to_status` with an expired lease) into `to_status`,
    holding a lease. True if this caller won."""
    return bool(
        Video.objects.filter(
            Q(status__in=from_statuses) | Q(status=to_status, lease_until__lt=now), id=video_id
        ).update(status=to_status, lease_until=now + LEASE, updated_at=now)
    )


def video_start(*, video_id: int, now: datetime | None = None) -> Video | None:
    """Create the job upstream, exactly once per video. Safe to run twice and after a crash."""
    now = now or timezone.now()
    video = Video.objects.select_related("remixed_from").get(id=video_id)
    if video.upstream_id:
        return video
    if not _claim(video.id, [Status.PENDING], Status.SUBMITTING, now):
        return None
    video.refresh_from_db()
    if video.upstream_id:  # a previous holder got this far
        return video
    if video.attempts > 0:
        try:
            if _adopt_orphan(video):
                return video
        except SoraError:
            return video  # keep the lease: the reconciler looks again before anything is created twice
    Video.objects.filter(id=video.id).update(attempts=video.attempts + 1)
    try:
        client = client_for(video.model)
        if video.remixed_from_id:
            if not video.remixed_from or not video.remixed_from.upstream_id:
                raise SoraError("The video this remixes is gone.", status=404, retryable=False)
            remote = client.remix(video.remixed_from.upstream_id, prompt=video.prompt)
        else:
            reference = None
            if video.input_reference:
                video.input_reference.open("rb")
                reference = ImageUpload(os.path.basename(video.input_reference.name), video.input_reference.read(), "image/png")
            try:
                remote = client.create(
                    prompt=video.prompt, model=video.model, size=video.size, seconds=str(video.seconds),
                    input_reference=reference,
                )  # fmt: skip
            finally:
                if video.input_reference:
                    video.input_reference.close()
    except SoraError as exc:
        return _start_failed(video, exc)
    Video.objects.filter(id=video.id, upstream_id__isnull=True).update(
        upstream_id=remote.id, submitted_at=timezone.now(), lease_until=None, next_poll_at=timezone.now()
    )
    video.refresh_from_db()
    video_apply_remote(video=video, remote=remote)
    return video


def _start_failed(video: Video, exc: SoraError) -> Video:
    if exc.maybe_created:
        # The upstream may have made the job although it answered with an error or never answered: look for it
        # (by listing) before anything is created again.
        try:
            if _adopt_orphan(video):
                return video
        except SoraError:
            return video  # keep the lease: the reconciler looks again later
        if exc.status is None:
            # No answer at all: the job may still appear. Keep the lease; the reconciler looks again when it ends.
            log.warning("create of video %s may have succeeded upstream (%s); reconciling later", video.public_id, exc)
            return video
        # The server answered with an error and lists no such job: nothing was made, so it is safe to try again.
    if exc.retryable and video.attempts + 1 < settings.SORA_START_ATTEMPTS:
        # Back to the queue: the dispatcher starts it again when a slot is free (after a pause).
        Video.objects.filter(id=video.id, status=Status.SUBMITTING).update(
            status=Status.PENDING, lease_until=timezone.now() + _backoff(video.attempts), error_message=str(exc.message)
        )
        return video
    _fail(video, code=exc.code or f"http_{exc.status or 'error'}", message=exc.message)
    return video


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2**attempts))


def _adopt_orphan(video: Video) -> bool:
    """After a create that may have reached the upstream, find the job it made there (same prompt, model, size,
    seconds, created after our first attempt, not linked to any of our videos) instead of creating a second one."""
    client = client_for(video.model)
    since = int((video.created_at - timedelta(minutes=1)).timestamp())
    parent_upstream = video.remixed_from.upstream_id if video.remixed_from_id and video.remixed_from else None
    try:
        for remote in client.list(order="desc", limit=100):
            if remote.created_at < since:
                break
            if (
                remote.prompt == video.prompt
                and remote.model == video.model
                and remote.size == video.size
                and str(remote.seconds) == str(video.seconds)
                and remote.remixed_from_video_id == parent_upstream
                and not Video.objects.filter(upstream_id=remote.id).exists()  # not one of ours already
            ):
                updated = Video.objects.filter(id=video.id, upstream_id__isnull=True).update(
                    upstream_id=remote.id, submitted_at=timezone.now(), lease_until=None, next_poll_at=timezone.now()
                )
                if updated:
                    video.refresh_from_db()
                    video_apply_remote(video=video, remote=remote)
                    log.info("video %s: adopted upstream job %s after an uncertain create", video.public_id, remote.id)
                    return True
    except SoraError as exc:
        log.warning("video %s: could not list upstream jobs to reconcile (%s)", video.public_id, exc)
        raise
    return False


# ---------------------------------------------------------------------------------------------------------------
# Applying what the upstream says
# ---------------------------------------------------------------------------------------------------------------
_REMOTE = {"queued": Status.QUEUED, "in_progress": Status.IN_PROGRESS}


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def poll_delay(video: Video, remote_poll_after_ms: int | None = None, now: datetime | None = None) -> timedelta:
    """Adaptive polling: look again after about a third of the time the job still needs (estimated from its pace so
    far), so looks are sparse while it is far from done and close together near the end; before any progress,
    back off with the time already waited. Never below POLL_MIN_SECONDS, never above POLL_MAX_SECONDS, and never
    faster than the upstream asks (openai-poll-after-ms)."""
    lo, hi = settings.POLL_MIN_SECONDS, settings.POLL_MAX_SECONDS
    now = now or timezone.now()
    elapsed = (now - video.submitted_at).total_seconds() if video.submitted_at else 0.0
    if video.progress > 0 and elapsed > 0:
        remaining = elapsed * (100 - video.progress) / video.progress
        seconds = remaining / 3
    else:
        seconds = elapsed / 2
    seconds = min(hi, max(lo, seconds))
    if remote_poll_after_ms:
        seconds = max(seconds, remote_poll_after_ms / 1000)
    return timedelta(seconds=max(lo, seconds))


def video_apply_remote(*, video: Video, remote) -> Video:
    """Bring our row up to date with the upstream job (from a poll, a webhook or a create response)."""
    now = timezone.now()
    if remote.status in _REMOTE:
        new_status = _REMOTE[remote.status]
        allowed = [Status.SUBMITTING, Status.QUEUED] + ([Status.IN_PROGRESS] if new_status == Status.IN_PROGRESS else [])
        progress = max(video.progress, min(99, int(remote.progress or 0)))
        video.status, video.progress = new_status, progress
        Video.objects.filter(id=video.id, status__in=allowed).update(
            status=new_status, progress=progress, next_poll_at=now + poll_delay(video, remote.poll_after_ms),
            poll_count=F("poll_count") + 1, updated_at=now,
        )  # fmt: skip
    elif remote.status == "completed":
        moved = Video.objects.filter(id=video.id, status__in=Video.IN_FLIGHT).update(
            status=Status.ARCHIVING, progress=99, completed_at=_ts(remote.completed_at) or now,
            upstream_expires_at=_ts(remote.expires_at), lease_until=None, next_poll_at=None, updated_at=now,
        )  # fmt: skip
        if moved:
            from videos import tasks

            transaction.on_commit(lambda: tasks.enqueue_archive(video.id))
    elif remote.status == "failed":
        error = remote.error
        _fail(
            video,
            code=(error.code if error else "") or "failed",
            message=(error.message if error else "") or "The upstream failed this video without saying why.",
        )
    else:  # an unknown status: keep following it, but slowly
        Video.objects.filter(id=video.id).update(next_poll_at=now + timedelta(seconds=settings.POLL_MAX_SECONDS))
    video.refresh_from_db()
    return video


def _fail(video: Video, *, code: str, message: str) -> None:
    from videos import quotas

    with transaction.atomic():
        moved = Video.objects.filter(id=video.id, status__in=Video.UNFINISHED).update(
            status=Status.FAILED, error_code=code[:100], error_message=message, lease_until=None,
            next_poll_at=None, completed_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        if moved:
            quotas.refund(video)
            _enqueue_dispatch()


def video_poll(*, video_id: int) -> Video:
    video = Video.objects.get(id=video_id)
    if video.status not in Video.RENDERING or not video.upstream_id:
        return video
    try:
        remote = client_for(video.model).retrieve(video.upstream_id)
    except SoraError as exc:
        if exc.status == 404:
            _fail(video, code="not_found_upstream", message="The upstream no longer knows this job.")
        else:
            Video.objects.filter(id=video.id).update(
                next_poll_at=timezone.now() + timedelta(seconds=settings.POLL_MAX_SECONDS)
            )
            log.warning("poll of video %s failed (%s); trying again later", video.public_id, exc)
        return video
    return video_apply_remote(video=video, remote=remote)


# ---------------------------------------------------------------------------------------------------------------
# Archiving into our own storage
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Saved:
    name: str
    size: int
    sha256: str


def _archive_variant(client, video: Video, variant: str) -> _Saved:
    """Stream one variant into a temporary file (never whole in memory; the client counts and hashes the bytes as
    they arrive), then into our storage."""
    with tempfile.TemporaryFile() as tmp:
        download = client.download(video.upstream_id, tmp, variant=variant)
        tmp.seek(0)
        field = getattr(video, f"{variant}_file")
        name = field.field.generate_filename(video, f"{video.public_id}.{CONTENT[variant][1]}")
        saved_name = default_storage.save(name, File(tmp, name=name))
        return _Saved(saved_name, download.bytes, download.sha256)


def video_archive(*, video_id: int) -> Video | None:
    """Copy the MP4, thumbnail and spritesheet into our storage, with checksums. Resumable: variants already saved
    are kept; safe to run twice (a lease lets one worker at a time do it)."""
    from videos import quotas

    now = timezone.now()
    claimed = Video.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now), id=video_id, status=Status.ARCHIVING
    ).update(lease_until=now + LEASE)
    if not claimed:
        return None
    video = Video.objects.get(id=video_id)
    client = client_for(video.model)
    for variant in VARIANTS:
        if getattr(video, f"{variant}_sha256"):
            continue
        try:
            saved = _archive_variant(client, video, variant)
        except SoraError as exc:
            if exc.status == 404 and video.upstream_expires_at and video.upstream_expires_at <= timezone.now():
                _fail(video, code="expired_before_archive", message="The upstream files expired before they were saved.")
                return video
            Video.objects.filter(id=video.id).update(lease_until=timezone.now() + _backoff(1))
            log.warning("archive of %s (%s) failed: %s; will retry", video.public_id, variant, exc)
            return video
        Video.objects.filter(id=video.id).update(
            **{f"{variant}_file": saved.name, f"{variant}_bytes": saved.size, f"{variant}_sha256": saved.sha256}
        )
        video.refresh_from_db()
    with transaction.atomic():
        done = Video.objects.filter(id=video.id, status=Status.ARCHIVING).update(
            status=Status.COMPLETED, progress=100, archived_at=timezone.now(), lease_until=None, updated_at=timezone.now()
        )
        if done:
            quotas.settle(video)
            _enqueue_dispatch()
    video.refresh_from_db()
    return video


# ---------------------------------------------------------------------------------------------------------------
# Deleting and retrying
# ---------------------------------------------------------------------------------------------------------------
def video_delete(*, video: Video) -> None:
    """Delete ours and, when it is finished there, upstream's. An unfinished job can't be deleted upstream (the
    contract allows deleting completed or failed jobs only), so it must finish first."""
    from videos import quotas

    if video.is_busy:
        raise ValidationError("This video is still being made; delete it once it has finished or failed.")
    if video.upstream_id:
        try:
            client_for(video.model).delete(video.upstream_id)
        except SoraError as exc:
            if exc.status != 404 and not (exc.status == 400 and video.status == Status.FAILED):
                raise ValidationError(f"The upstream refused to delete this video: {exc.message}") from None
    names = [getattr(video, f"{v}_file").name for v in VARIANTS] + [video.input_reference.name]
    with transaction.atomic():
        if video.status == Status.PENDING:
            quotas.refund(video)
        if video.remixes.exists():
            # Its remixes keep their family tree: the row stays as a tombstone, without files or upstream job.
            cleared = {}
            for v in VARIANTS:
                cleared.update({f"{v}_file": "", f"{v}_bytes": None, f"{v}_sha256": ""})
            Video.objects.filter(id=video.id).update(
                deleted_at=timezone.now(), input_reference="", updated_at=timezone.now(), **cleared
            )
        else:
            video.delete()
    for name in filter(None, names):
        transaction.on_commit(lambda name=name: default_storage.delete(name))


@transaction.atomic
def video_retry(*, video: Video, user: User) -> Video:
    """A failed video gets a fresh attempt: a new video with the same settings (the failed one stays as a record)."""
    if video.status != Status.FAILED:
        raise ValidationError("Only a failed video can be retried.")
    if video.remixed_from_id:
        if video.remixed_from is None:
            raise ValidationError("The video this remixed is gone, so it cannot be retried.")
        return video_remix(parent=video.remixed_from, user=user, prompts=[video.prompt])[0]
    retry = Video(
        project=video.project, owner=user, prompt=video.prompt, model=video.model, size=video.size,
        seconds=video.seconds, input_fit=video.input_fit, input_reference=video.input_reference.name or "",
        estimated_cost=video.estimated_cost,
    )  # fmt: skip
    return _save_new([retry])[0]

