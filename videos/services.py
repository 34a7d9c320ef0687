"""Writes for videos: every door (form, admin, Team API, task, webhook) goes through these, with the actor who acts.

Services decide what should happen; `videos/lifecycle.py` is the only writer of a job's state and makes each change
a conditional UPDATE, so a task that runs twice or races a webhook does no harm. Upstream calls never happen inside
a database transaction that holds locks; tasks take ids, load rows and call one service each.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.access import Role, require_actor_role
from accounts.actors import SYSTEM, Actor, ActorKind
from accounts.models import Project
from assets import services as assets
from assets.models import Asset
from audit import services as audit
from providers import circuit
from providers import selectors as providers
from providers.clients import client_for
from providers.learning import learn_missing
from providers.models import ProviderModel
from videos import lifecycle
from videos.models import MAX_SECONDS, Video
from videos.sora.catalog import CONTENT, PROMPT_MAX_LENGTH, VARIANTS
from videos.sora.errors import SoraError
from videos.sora.types import ImageUpload

log = logging.getLogger(__name__)
Status = Video.Status


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


def _check_shape(spec: ProviderModel, size: str, seconds: int) -> None:
    """The registry's sizes and lengths, less what the provider's probe saw the model refuse."""
    if size not in spec.offered_sizes:
        raise ValidationError({"size": f"{spec.name} makes videos of {', '.join(spec.offered_sizes)}, not {size}."})
    if str(seconds) not in spec.offered_seconds:
        raise ValidationError({"seconds": f"{spec.name} makes videos of {', '.join(spec.offered_seconds)} seconds."})


def _existing_for_token(owner, submit_token: uuid.UUID | None, *, project, parent: Video | None = None) -> list[Video]:
    """The videos a repeated submit (a double click, a resent form) already made: only ever the same project's (and
    the same parent's), so a token copied from another form never hands back a video of elsewhere."""
    if submit_token is None:
        return []
    found = list(Video.objects.filter(owner=owner, submit_token=submit_token).order_by("id"))
    if any(v.project_id != project.id or (parent is not None and v.remixed_from_id != parent.id) for v in found):
        raise ValidationError("This form was already sent for another video. Reload the page and try again.")
    return found


def _enqueue_dispatch() -> None:
    from videos import tasks

    transaction.on_commit(tasks.enqueue_dispatch)


def _maker(actor: Actor) -> dict:
    """The fields that record who made a video."""
    return {"created_by": actor.user, "created_via": actor.kind}


def video_submit(*, actor: Actor, project: Project, **fields) -> Video:
    """Validate, reserve the quota, save, and enqueue on commit (see _video_submit), recorded in the audit log (a
    refusal too: role, quota, shape)."""
    with audit.attempt(actor=actor, action="video.create", project=project) as entry:
        entry.target = _video_submit(actor=actor, project=project, **fields)
    return entry.target


@transaction.atomic
def _video_submit(
    *,
    actor: Actor,
    project: Project,
    prompt: str,
    model: str | ProviderModel,
    size: str,
    seconds: int,
    input_reference=None,
    input_fit: str = "",
    submit_token: uuid.UUID | None = None,
    characters=None,
) -> Video:
    """Validate, reserve the quota, save, and enqueue on commit. Returns the new (or, for a repeated submit, the
    existing) video. `model` is a ProviderModel or its form key (`slug:name`, or a bare name). `input_reference` is
    an already fitted image file (see videos.images.fit_image).

    `characters`: up to two `characters.models.Character` of this project's cast (contract 3.7), on a provider
    whose profile has characters; refused otherwise with a ValidationError on "characters", before anything is
    saved or charged. The provider learns each character on the video's start (`characters.services`)."""
    from characters import services as cast

    require_actor_role(actor, project, Role.EDITOR)
    owner = actor.user
    existing = _existing_for_token(owner, submit_token, project=project)
    if existing:
        return existing[0]
    prompt = _clean_prompt(prompt)
    spec = model if isinstance(model, ProviderModel) else providers.model_for(model)
    _check_shape(spec, size, int(seconds))
    picked = cast.cast_check(project=project, provider=spec.provider, characters=characters)
    video = Video(
        project=project, owner=owner, provider=spec.provider, prompt=prompt, model=spec.name, size=size,
        seconds=int(seconds), input_fit=input_fit if input_reference else "", submit_token=submit_token,
        estimated_cost=spec.cost(size, int(seconds)), **_maker(actor),
    )  # fmt: skip
    video = _save_new([video])[0]
    cast.cast_record(video=video, characters=picked)
    if input_reference is not None and not video.asset_map.get("reference"):
        input_reference.seek(0)
        assets.asset_store(video=video, kind=Asset.Kind.REFERENCE, content=input_reference, origin=Asset.Origin.UPLOAD)
    return video


def _save_new(videos: list[Video]) -> list[Video]:
    from quotas import services as quotas

    for video in videos:
        video.full_clean(exclude=["remixed_from", "provider", "created_by"])
    try:
        with transaction.atomic():
            for video in videos:
                video.save()
            # After the rows exist (the ledger points at them), in the same transaction: a refusal
            # (quotas.QuotaExceeded) rolls the videos back, so nothing is created or enqueued.
            quotas.reserve(videos)
    except IntegrityError:
        # The same submit token raced in from a double click: the first one won.
        existing = _existing_for_token(
            videos[0].owner, videos[0].submit_token, project=videos[0].project, parent=videos[0].remixed_from
        )
        if existing:
            return existing
        raise
    _enqueue_dispatch()
    return videos


# Children of a completed video: what each kind of step is called, and the provider route it needs.
Operation = Video.Operation
CHILD_ROUTE = {Operation.REMIX: "remix", Operation.EDIT: "edits", Operation.EXTEND: "extensions"}
CHILD_VERB = {Operation.REMIX: "remixed", Operation.EDIT: "edited", Operation.EXTEND: "extended"}
CHILD_NOUN = {Operation.REMIX: "Remixing", Operation.EDIT: "Editing", Operation.EXTEND: "Extending"}
# Extensions (contract 3.7): each adds 4 to 20 s, at most 6 in a row, at most 120 s in all.
EXTENSION_SECONDS = (4, 8, 12, 16, 20)
MAX_EXTENSIONS = 6


def child_check(parent: Video, operation: str, now: datetime) -> None:
    """Whether `parent` may get a child of this kind now: completed, kept, rendered upstream, on a provider that can
    do it, and inside the studio's window (REMIX_WINDOW_HOURS, for every kind of child)."""
    verb = CHILD_VERB[operation]
    if parent.is_deleted:
        raise ValidationError(f"This video was deleted, so it cannot be {verb}.")
    if parent.status != Status.COMPLETED:
        raise ValidationError(f"Only a completed video can be {verb}.")
    if not parent.upstream_id:
        raise ValidationError(f"This video was never rendered upstream, so it cannot be {verb}.")
    if not parent.provider.capabilities.supports(CHILD_ROUTE[operation]):
        raise ValidationError(f"{parent.provider.name} cannot {operation} videos.")
    if not parent.is_remixable(now):
        raise ValidationError(
            f"{CHILD_NOUN[operation]} is allowed for {settings.REMIX_WINDOW_HOURS} hours after a video is created; "
            f"this one's window closed on {parent.remix_deadline():%d %b %Y at %H:%M} UTC."
        )


def remix_check(parent: Video, now: datetime) -> None:
    child_check(parent, Operation.REMIX, now)


def child_cost(parent: Video, charged_seconds: int | None = None) -> Decimal:
    """What a child of `parent` costs when `charged_seconds` are priced (default the parent's length: a remix or an
    edit): the registry's price for the parent's model and size, or the parent's own price per second when the
    model is gone from the registry. (An extension's parent may have cost less than its length: it was charged for
    its added seconds only, so the registry is asked, not the parent's cost.)"""
    charged = parent.seconds if charged_seconds is None else charged_seconds
    spec = ProviderModel.objects.filter(provider=parent.provider_id, name=parent.model).first()
    if spec and parent.size in spec.sizes:
        return round(spec.cost(parent.size, charged), 2)
    return round(parent.estimated_cost / max(parent.seconds, 1) * charged, 2)


def _spawn(
    *, actor: Actor, parent: Video, operation: str, prompts: list[str], submit_token: uuid.UUID | None,
    now: datetime | None, owner=None, seconds: int | None = None, charged_seconds: int | None = None,
) -> list[Video]:  # fmt: skip
    """Children of `parent` (one per prompt): same model, size and provider; `seconds` their length (default the
    parent's), `charged_seconds` what the registry prices (default their length)."""
    require_actor_role(actor, parent.project, Role.EDITOR)
    owner = owner if actor.is_staff and owner is not None else actor.user
    existing = _existing_for_token(owner, submit_token, project=parent.project, parent=parent)
    if existing:
        return existing
    child_check(parent, operation, now or timezone.now())
    prompts = [_clean_prompt(p) for p in prompts if p and p.strip()]
    if not prompts:
        raise ValidationError({"prompt": "Describe the change: the prompt is empty."})
    if len(prompts) > settings.REMIX_MAX_VARIATIONS:
        raise ValidationError(f"At most {settings.REMIX_MAX_VARIATIONS} variations at once.")
    seconds = parent.seconds if seconds is None else seconds
    cost = child_cost(parent, seconds if charged_seconds is None else charged_seconds)
    videos = [
        Video(
            project=parent.project, owner=owner, provider=parent.provider, operation=operation, prompt=prompt,
            model=parent.model, size=parent.size, seconds=seconds, remixed_from=parent,
            # Only the first of a batch carries the token: the unique (owner, token) rule allows one row.
            submit_token=submit_token if i == 0 else None, estimated_cost=cost, **_maker(actor),
        )  # fmt: skip
        for i, prompt in enumerate(prompts)
    ]
    return _save_new(videos)


def _audited_child(actor: Actor, operation: str, parent: Video, owner):
    behalf = owner if actor.is_staff and owner is not None else None
    return audit.attempt(actor=actor, action=f"video.{operation}", project=parent.project,
                         detail={"parent": str(parent.public_id)}, on_behalf_of=behalf)  # fmt: skip


def video_remix(
    *,
    actor: Actor,
    parent: Video,
    prompts: list[str],
    submit_token: uuid.UUID | None = None,
    now: datetime | None = None,
    owner=None,
) -> list[Video]:
    """One remix per prompt (several variations from one parent in one submit); each inherits model, size and
    seconds, and runs on the parent's provider. `owner` is for staff acting on a member's behalf."""
    with _audited_child(actor, Operation.REMIX, parent, owner) as entry, transaction.atomic():
        entry.targets = _spawn(actor=actor, parent=parent, operation=Operation.REMIX, prompts=prompts,
                               submit_token=submit_token, now=now, owner=owner)  # fmt: skip
    return entry.targets


def video_edit(
    *, actor: Actor, parent: Video, prompt: str, submit_token: uuid.UUID | None = None, now: datetime | None = None,
    owner=None,
) -> Video:  # fmt: skip
    """An edit (remix's successor, POST /videos/edits): one change to a completed video; same length and size."""
    with _audited_child(actor, Operation.EDIT, parent, owner) as entry, transaction.atomic():
        entry.targets = _spawn(actor=actor, parent=parent, operation=Operation.EDIT, prompts=[prompt],
                               submit_token=submit_token, now=now, owner=owner)  # fmt: skip
    return entry.target


def extensions_before(video: Video) -> int:
    """How many extensions in a row made this video (the contract allows at most MAX_EXTENSIONS)."""
    count, node, seen = 0, video, set()
    while node is not None and node.operation == Operation.EXTEND and node.id not in seen:
        seen.add(node.id)
        count += 1
        node = node.remixed_from
    return count


def video_extend(
    *, actor: Actor, parent: Video, prompt: str, seconds: int, submit_token: uuid.UUID | None = None,
    now: datetime | None = None, owner=None,
) -> Video:  # fmt: skip
    """An extension (POST /videos/extensions): the video continued by `seconds` more; the child's length is the
    stitched total, and it is charged for the new segment only."""
    with _audited_child(actor, Operation.EXTEND, parent, owner) as entry, transaction.atomic():
        entry.detail["seconds_added"] = str(seconds)
        try:
            segment = int(seconds)
        except (TypeError, ValueError):
            raise ValidationError({"seconds": "Say how many seconds to add."}) from None
        if segment not in EXTENSION_SECONDS:
            raise ValidationError({"seconds": f"An extension adds {', '.join(map(str, EXTENSION_SECONDS))} seconds."})
        if parent.seconds + segment > MAX_SECONDS:
            raise ValidationError({"seconds": f"That would make {parent.seconds + segment} s; a video can be extended to "
                                              f"{MAX_SECONDS} s at most ({MAX_SECONDS - parent.seconds} s are left)."})  # fmt: skip
        if extensions_before(parent) >= MAX_EXTENSIONS:
            raise ValidationError(f"A video can be extended {MAX_EXTENSIONS} times in a row at most; this one has been.")
        entry.targets = _spawn(actor=actor, parent=parent, operation=Operation.EXTEND, prompts=[prompt],
                               submit_token=submit_token, now=now, owner=owner, seconds=parent.seconds + segment,
                               charged_seconds=segment)  # fmt: skip
    return entry.target


def video_import(
    *, actor: Actor, project: Project, owner, provider, parent: Video | None, operation: str, prompt: str, model: str,
    size: str, seconds: int, input_fit: str, estimated_cost: Decimal, created_at: datetime | None,
    submitted_at: datetime | None, completed_at: datetime | None, archived_at: datetime | None,
    deleted_at: datetime | None, public_id: uuid.UUID | None = None,
) -> Video:  # fmt: skip
    """A video from another studio's project export (transfer/services.py, which checked every field): completed and
    archived here, no upstream job, nothing charged (it was charged where it was made). The caller adds its files
    (which it may have stored already, named after `public_id`: the new video's id, a new one when not given)."""
    require_actor_role(actor, project, Role.EDITOR)
    video = Video(
        public_id=public_id or uuid.uuid4(), project=project, owner=owner, provider=provider, operation=operation, prompt=prompt, model=model, size=size,
        seconds=seconds, input_fit=input_fit, remixed_from=parent, estimated_cost=estimated_cost,
        created_by=actor.user, created_via=actor.kind, created_at=created_at, submitted_at=submitted_at,
        completed_at=completed_at, archived_at=archived_at,
    )  # fmt: skip
    video.full_clean(exclude=["remixed_from", "provider", "created_by", "owner", "project", "created_at"])
    return lifecycle.insert_imported(video, deleted_at=deleted_at)


# ---------------------------------------------------------------------------------------------------------------
# Starting upstream (tasks: claimed by the dispatcher, one task per job)
# ---------------------------------------------------------------------------------------------------------------
def jobs_claim_startable(*, actor: Actor = SYSTEM, now: datetime | None = None) -> list[tuple[int, str]]:
    """Claim the waiting videos that may start now, per provider under its in-flight cap, round-robin by user.

    Each provider's claim is one short transaction that first locks the provider's row, so two dispatchers can't
    both see a free slot and overfill it. Returns (video id, lease token) pairs for start tasks."""
    from quotas import selectors as quota_selectors
    from videos import scheduling

    now = now or timezone.now()
    claimed: list[tuple[int, str]] = []
    closed = Q(provider__circuit_open_until__isnull=True) | Q(provider__circuit_open_until__lte=now)
    provider_ids = (
        Video.objects.filter(closed, status=Status.PENDING, deleted_at__isnull=True, provider__is_active=True)
        .values_list("provider_id", flat=True)
        .distinct()
    )
    for provider_id in sorted(set(provider_ids)):
        with transaction.atomic():
            provider = providers.active_providers().select_for_update().filter(id=provider_id).first()
            if provider is None:
                continue
            in_flight = Video.objects.filter(provider=provider, status__in=Video.IN_FLIGHT).count()
            ids = scheduling.pick_fairly(
                free_slots=provider.effective_cap(now) - in_flight, provider=provider, now=now,
                user_cap=quota_selectors.max_in_flight,
            )  # fmt: skip
            for video in Video.objects.filter(id__in=ids).only("id", "public_id", "provider_id", "status"):
                token = lifecycle.new_token()
                if lifecycle.claim_start(video, token, now):
                    claimed.append((video.id, token))
    return claimed


def video_start(*, video_id: int, token: str, actor: Actor = SYSTEM) -> Video | None:
    """Create the job upstream, exactly once per video, holding the lease the dispatcher (or the reconciler) took.
    Safe to run twice and after a crash: a task whose lease was taken over does nothing."""
    video = Video.objects.select_related("remixed_from", "provider").get(id=video_id)
    if video.status != Status.SUBMITTING or video.lease_token != token or not lifecycle.renew_lease(video, token):
        return None
    if video.upstream_id:  # a previous holder got this far
        return video
    if video.attempts > 0:
        try:
            if _adopt_orphan(video):
                return video
        except SoraError:
            # Keep the lease: the reconciler looks again before anything is created twice.
            if not _give_up_on_unknown_outcome(video, token):
                lifecycle.keep_for_reconcile(video, token, wait=lifecycle.LEASE)
            return video
        if _give_up_on_unknown_outcome(video, token):
            return video
    try:
        circuit.check(video.provider)
    except circuit.CircuitOpen as exc:  # nothing is sent: the job waits (not an attempt)
        wait = (video.provider.circuit_open_until - timezone.now()) if video.provider.circuit_open_until else None
        lifecycle.retry_later(video, token, after=max(wait or timedelta(0), timedelta(seconds=1)), reason=exc.message)
        return video
    from characters import services as cast

    lifecycle.count_attempt(video, token)
    try:
        client = client_for(video.provider)
        with circuit.watch(video.provider), lifecycle.heartbeat(video, token):
            if video.remixed_from_id:
                parent = video.remixed_from
                if not parent or not parent.upstream_id:
                    raise SoraError(f"The video this {video.operation}s is gone.", status=404, retryable=False)
                if video.operation == Operation.EDIT:
                    remote = client.edit(parent.upstream_id, prompt=video.prompt)
                elif video.operation == Operation.EXTEND:
                    remote = client.extend(parent.upstream_id, prompt=video.prompt, seconds=video.seconds - parent.seconds)
                else:
                    remote = client.remix(parent.upstream_id, prompt=video.prompt)
            else:
                remote = _create_upstream(client, video, cast.cast_upstream_ids(video=video, client=client))
    except SoraError as exc:
        if exc.status == 404 and exc.param == "characters" and cast.cast_forget_upstream(video=video):
            # The provider no longer knows a character it made for us: made again there on the next attempt.
            exc = SoraError(f"{video.provider.name} no longer knows one of its characters; it is sent again.",
                            status=404, retryable=True)  # fmt: skip
        return _start_failed(video, token, exc)
    if lifecycle.attach_upstream(video, remote.id):
        video_apply_remote(video=video, remote=remote)
    video.refresh_from_db()
    return video


def _create_upstream(client, video: Video, characters: list[str] | None = None):
    """POST /videos as the provider takes it: JSON, or multipart where JSON is refused. A provider not yet measured
    that answers a JSON create as if it had read no prompt (vLLM-Omni reads form fields only) gets the same create
    once more as multipart (a 4xx made nothing, so this cannot pay twice), and that is learned for next time.
    `characters`: the provider's ids of the video's characters."""
    capabilities = video.provider.capabilities
    fields = dict(prompt=video.prompt, model=video.model, size=video.size, seconds=str(video.seconds),
                  input_reference=_reference_upload(video))  # fmt: skip
    if characters:
        fields["characters"] = characters
    multipart = capabilities.knows("create_json") is False
    try:
        return client.create(**fields, multipart=multipart)
    except SoraError as exc:
        read_nothing = exc.status == 415 or (
            exc.status in (400, 422) and (exc.param == "prompt" or "prompt" in (exc.message or "").lower())
            and any(word in (exc.message or "").lower() for word in ("required", "missing"))
        )  # fmt: skip
        if multipart or fields["input_reference"] is not None or capabilities.knows("create_json") is not None:
            raise
        if not read_nothing or exc.maybe_created:
            raise
    remote = client.create(**fields, multipart=True)
    learn_missing(video.provider, "routes", "create_json", "a JSON create was answered as if no prompt was sent")
    return remote


def _reference_upload(video: Video) -> ImageUpload | None:
    asset = Asset.objects.filter(video=video, kind=Asset.Kind.REFERENCE).first()
    if asset is None:
        return None
    with asset.file.open("rb") as fh:
        return ImageUpload(os.path.basename(asset.file.name), fh.read(), asset.content_type)


def _unknown_outcome_message(video: Video, why: str) -> str:
    return (
        f"{video.provider.name} did not say whether it made this video ({why}), and the studio could not find the job "
        "there, so it stopped waiting. Nothing was charged here; you can try again."
    )


def _give_up_on_unknown_outcome(video: Video, token: str) -> bool:
    """Past SORA_UNKNOWN_OUTCOME_SECONDS of not knowing whether the create made a job: fail it with a refund."""
    since = video.outcome_unknown_since
    if since is None or timezone.now() - since < timedelta(seconds=settings.SORA_UNKNOWN_OUTCOME_SECONDS):
        return False
    minutes = max(1, round(settings.SORA_UNKNOWN_OUTCOME_SECONDS / 60))
    _fail(video, code="outcome_unknown", message=_unknown_outcome_message(video, f"no answer for {minutes} min"),
          token=token)  # fmt: skip
    return True


def _start_failed(video: Video, token: str, exc: SoraError) -> Video:
    if isinstance(exc, circuit.CircuitOpen):
        lifecycle.retry_later(video, token, after=timedelta(seconds=settings.PROVIDER_CIRCUIT_SECONDS),
                              reason=exc.message, counts=False)  # fmt: skip
        return video
    if exc.status == 429:
        # "Too many in progress" (or too many requests): wait, never fail. The slot is released, the provider's cap
        # lowered to what it has running while it says so, and the video starts when a slot frees.
        running = Video.objects.filter(provider=video.provider_id, status__in=Video.IN_FLIGHT).exclude(id=video.id)
        cap = circuit.throttle(video.provider, running=running.count(), retry_after=exc.retry_after)
        wait = timedelta(seconds=max(exc.retry_after or 0.0, settings.POLL_MIN_SECONDS))
        lifecycle.retry_later(video, token, after=wait, counts=False,
                              reason=f"{video.provider.name} is busy ({exc.message}); it starts when one of the "
                                     f"{cap} running there finishes.")  # fmt: skip
        return video
    if exc.maybe_created:
        # The upstream may have made the job although it answered with an error or never answered: look for it
        # (by listing) before anything is created again.
        try:
            if _adopt_orphan(video):
                return video
        except SoraError:
            lifecycle.keep_for_reconcile(video, token, wait=lifecycle.LEASE)
            return video
        if not video.provider.capabilities.supports("list"):
            # Nowhere to look, and creating again could pay twice: end it now, saying so.
            _fail(video, code="outcome_unknown", message=_unknown_outcome_message(video, exc.message), token=token)
            return video
        if exc.status is None:
            # No answer at all: the job may still appear. Keep the lease; the reconciler looks again when it ends.
            log.warning("create of video %s may have succeeded upstream (%s); reconciling later", video.public_id, exc)
            lifecycle.keep_for_reconcile(video, token, wait=lifecycle.LEASE)
            return video
        # The server answered with an error and lists no such job: nothing was made, so it is safe to try again.
    if exc.retryable and video.attempts < settings.SORA_START_ATTEMPTS:
        # Back to the queue: the dispatcher starts it again when a slot is free (after a pause).
        lifecycle.retry_later(video, token, after=_backoff(video.attempts - 1), reason=str(exc.message))
        return video
    _fail(video, code=exc.code or f"http_{exc.status or 'error'}", message=exc.message, token=token)
    return video


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2 ** max(0, attempts)))


def _adopt_orphan(video: Video) -> bool:
    """After a create that may have reached the upstream, find the job it made there (same prompt, model, size,
    seconds, created after our first attempt, not linked to any of our videos) instead of creating a second one."""
    if not video.provider.capabilities.supports("list"):
        return False  # nothing to look in: the bounded wait of an unknown outcome decides (providers issue)
    client = client_for(video.provider)
    since = int((video.created_at - timedelta(minutes=1)).timestamp())
    parent_upstream = video.remixed_from.upstream_id if video.remixed_from_id and video.remixed_from else None
    try:
        for remote in client.list(order="desc", limit=100):
            if remote.created_at is not None and remote.created_at < since:
                break
            if (
                remote.prompt == video.prompt
                and remote.model == video.model
                and remote.size == video.size
                and str(remote.seconds) == str(video.seconds)
                and remote.remixed_from_video_id == parent_upstream
                and not Video.objects.filter(
                    provider=video.provider_id, upstream_key=lifecycle.upstream_key(remote.id)
                ).exists()  # not one of ours already
            ):
                if lifecycle.attach_upstream(video, remote.id):
                    video_apply_remote(video=video, remote=remote)
                    log.info("video %s: adopted upstream job %s after an uncertain create", video.public_id, remote.id)
                    return True
    except SoraError as exc:
        if exc.status in (400, 404, 405, 501):
            # A bare list refused: the server has no list (LiteLLM's proxy answers 400 without a provider).
            learn_missing(video.provider, "routes", "list", f"GET /videos answered {exc.status}")
            return False
        log.warning("video %s: could not list upstream jobs to reconcile (%s)", video.public_id, exc)
        raise
    return False


# ---------------------------------------------------------------------------------------------------------------
# Applying what the upstream says
# ---------------------------------------------------------------------------------------------------------------
def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def poll_delay(video: Video, remote_poll_after_ms: int | None = None, now: datetime | None = None) -> timedelta:
    """Adaptive polling by the job's own pace: once it reports progress, look again when that pace says it will be
    done (elapsed x (100 - progress) / progress from now), but never later than the time already waited (or
    POLL_MAX_SECONDS, whichever is longer), so a job whose pace changes is looked at again before its wait doubles;
    near or past the predicted end, every tenth of the time waited, so completion is noticed within about 10 % of
    the render time (or POLL_MIN_SECONDS). Before any progress, back off with the time already waited (half of it,
    at most POLL_MAX_SECONDS). Never below POLL_MIN_SECONDS, and never faster than the upstream asks
    (openai-poll-after-ms). bench/polling.py counts the calls: 3 for a 30 s render, 4 for 90 s (the SDK: 11).

    With the provider's webhooks reaching the studio, polling is a slow safety net instead (videos/polling.py)."""
    from videos import polling

    lo, hi = settings.POLL_MIN_SECONDS, settings.POLL_MAX_SECONDS
    now = now or timezone.now()
    if video.provider_id and polling.webhooks_reach_us(video.provider):
        return polling.safety_net_delay(video, now)
    elapsed = (now - video.submitted_at).total_seconds() if video.submitted_at else 0.0
    if video.progress > 0 and elapsed > 0:
        remaining = elapsed * (100 - video.progress) / video.progress  # to the end its pace predicts
        seconds = max(min(remaining, max(hi, elapsed)), min(elapsed / 10, hi))
    else:
        seconds = min(hi, elapsed / 2)
    if remote_poll_after_ms:
        seconds = max(seconds, remote_poll_after_ms / 1000)
    return timedelta(seconds=max(lo, seconds))


def video_apply_remote(*, video: Video, remote, actor: Actor = SYSTEM) -> Video:
    """Bring our row up to date with the upstream job (from a poll, a webhook or a create response)."""
    now = timezone.now()
    meaning = video.provider.capabilities.status_of(remote.status)
    if meaning is None and remote.looks_failed or remote.http_status is not None and remote.http_status >= 400:
        meaning = "failed"  # a failure in other words, or a failed job answered with an error status (vLLM-Omni)
    if meaning in (Status.QUEUED, Status.IN_PROGRESS):
        video.progress = max(video.progress, min(99, int(remote.progress or 0)))
        lifecycle.record_progress(
            video, meaning, int(remote.progress or 0), now + poll_delay(video, remote.poll_after_ms, now)
        )
    elif meaning == "completed":
        if lifecycle.upstream_finished(
            video, completed_at=_ts(remote.completed_at) or now, expires_at=_ts(remote.expires_at)
        ):
            from videos import tasks

            transaction.on_commit(lambda: tasks.enqueue_archive(video.id))
    elif meaning == "failed":
        from providers.capabilities import FAILURE_REASONS

        error = remote.error
        word = (remote.status or "").lower()
        _fail(
            video,
            code=(error.code if error else "") or word or "failed",
            message=(error.message if error else "")
            or FAILURE_REASONS.get(word, f"{video.provider.name} failed this video without saying why."),
        )
    else:  # a status word we do not know: keep following it, but slowly
        log.warning("video %s: unknown upstream status %r", video.public_id, remote.status)
        lifecycle.poll_later(video, now + timedelta(seconds=settings.POLL_MAX_SECONDS))
    video.refresh_from_db()
    return video


def _fail(video: Video, *, code: str, message: str, token: str | None = None) -> bool:
    """The job failed: in one transaction, record why and give its reservation back; then its slot is free."""
    from quotas import services as quotas

    with transaction.atomic():
        if not lifecycle.fail(video, code=code, message=message, token=token):
            return False
        quotas.refund(video)
        _enqueue_dispatch()
    return True


def video_poll(*, video_id: int, actor: Actor = SYSTEM) -> Video:
    video = Video.objects.select_related("provider").get(id=video_id)
    if video.status not in Video.RENDERING or not video.upstream_id:
        return video
    try:
        with circuit.watch(video.provider):
            remote = client_for(video.provider).retrieve(video.upstream_id)
    except circuit.CircuitOpen:
        lifecycle.poll_later(video, video.provider.circuit_open_until or timezone.now())
        return video
    except SoraError as exc:
        if exc.status == 404:
            _fail(video, code="not_found_upstream", message=f"{video.provider.name} no longer knows this job.")
        else:
            lifecycle.poll_later(video, timezone.now() + timedelta(seconds=settings.POLL_MAX_SECONDS))
            log.warning("poll of video %s failed (%s); trying again later", video.public_id, exc)
        return video
    return video_apply_remote(video=video, remote=remote)


# ---------------------------------------------------------------------------------------------------------------
# Archiving into our own storage
# ---------------------------------------------------------------------------------------------------------------
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/binary")


class WrongContent(Exception):
    """A download whose declared type or first bytes are not what its variant must be."""


def _archive_variant(client, video: Video, variant: str) -> Asset:
    """Stream one variant straight into its place in our storage (no copy on local disk, never whole in memory; the
    client counts and hashes the bytes as they arrive), checking it is what the variant must be: its first bytes
    before anything is written, its declared type after, and an MP4's headers once stored. Raises WrongContent
    when it is not; then, as after any failed download, nothing of it is left in storage."""
    from assets import media

    expected = media.expected_for(variant)

    def wrong(head: bytes, declared: str | None = None) -> WrongContent:
        said = f" ({declared or 'no type'})" if declared is not None else ""
        return WrongContent(f"{video.provider.name} sent {media.describe(head)}{said} for the {variant}")

    def check_head(head: bytes) -> None:
        if media.sniff(head) != expected:
            raise wrong(head)

    with assets.asset_stream(
        video=video, kind=variant, origin=Asset.Origin.PROVIDER, provider=video.provider, check_head=check_head
    ) as stream:
        download = client.download(video.upstream_id, stream, variant=variant)
        declared = (download.content_type or "").lower()
        if media.sniff(stream.head) != expected or (declared not in GENERIC_TYPES and declared != CONTENT[variant][0]):
            raise wrong(stream.head, declared)
        stream.commit()
        if variant == "video":
            try:
                with stream.open() as stored:
                    media.probe_mp4(stored)  # a damaged or cut MP4 is refused here, not played as a dead player
            except media.MediaError as exc:
                raise WrongContent(f"{video.provider.name} sent a damaged MP4 ({exc})") from None
        return stream.keep(size=download.bytes, sha256=download.sha256)


def _derive_pictures(video: Video, kinds: list[str]) -> None:
    """Make the thumbnail and spritesheet the provider did not give, from the archived MP4 (PyAV), in the
    contract's formats, so gallery cards and hover scrub work with any provider. A picture that cannot be made is
    left out (the video itself plays); the reason is logged."""
    import io

    from assets import media

    source = Asset.objects.filter(video=video, kind=Asset.Kind.VIDEO).first()
    if source is None:
        return
    for kind in kinds:
        try:
            with source.file.open("rb") as fh:
                data = media.derive(kind, fh)
        except (media.MediaError, OSError) as exc:
            log.warning("video %s: could not make its %s from the MP4: %s", video.public_id, kind, exc)
            continue
        assets.asset_store(video=video, kind=kind, content=io.BytesIO(data), origin=Asset.Origin.STUDIO)


def video_archive(*, video_id: int, actor: Actor = SYSTEM) -> Video | None:
    """Copy the MP4, thumbnail and spritesheet into our storage, with checksums, each checked to be what it must
    be; pictures the provider has not (or sends wrong) are made from the MP4. Resumable: files already saved are
    kept; safe to run twice (a lease lets one worker at a time do it)."""
    from quotas import services as quotas

    video = Video.objects.select_related("provider").get(id=video_id)
    token = lifecycle.new_token()
    if not lifecycle.claim_archive(video, token):
        return None
    client = client_for(video.provider)
    saved = set(Asset.objects.filter(video=video).values_list("kind", flat=True))
    capabilities = video.provider.capabilities
    to_derive = []
    for variant in VARIANTS:
        if variant in saved:
            continue
        if not capabilities.serves_variant(variant):
            to_derive.append(variant)
            continue
        if not lifecycle.renew_lease(video, token):
            return None  # taken over by someone else
        try:
            with circuit.watch(video.provider), lifecycle.heartbeat(video, token):
                _archive_variant(client, video, variant)
        except circuit.CircuitOpen:
            lifecycle.archive_later(video, token, timedelta(seconds=settings.PROVIDER_CIRCUIT_SECONDS))
            return video
        except WrongContent as exc:
            if variant == "video":
                _fail(video, code="not_a_video", message=f"{exc}: the studio keeps MP4 videos only.", token=token)
                assets.assets_delete(video)
                return video
            learn_missing(video.provider, "variants", variant, str(exc))
            to_derive.append(variant)
        except SoraError as exc:
            expired = video.upstream_expires_at is not None and video.upstream_expires_at <= timezone.now()
            if variant != "video" and exc.status in (400, 404, 405, 415, 422, 501):
                if not expired:
                    learn_missing(video.provider, "variants", variant, f"answered {exc.status}")
                to_derive.append(variant)  # the MP4 is here: the studio makes the picture itself
                continue
            if exc.status == 404:
                # The job finished upstream, so a 404 on its video means the files are gone there: say so at once.
                why = "its files expired there" if expired else "it no longer has this video"
                _fail(video, code="expired_before_archive" if expired else "gone_upstream",
                      message=f"{video.provider.name} could not hand over the video: {why}.", token=token)  # fmt: skip
                assets.assets_delete(video)
                return video
            lifecycle.archive_later(video, token, _backoff(1))
            log.warning("archive of %s (%s) failed: %s; will retry", video.public_id, variant, exc)
            return video
    if to_derive:
        if not lifecycle.renew_lease(video, token):
            return None
        with lifecycle.heartbeat(video, token):
            _derive_pictures(video, to_derive)
    with transaction.atomic():
        if lifecycle.archived(video, token):
            quotas.settle(video)
            _enqueue_dispatch()
    video.refresh_from_db()
    return video


# ---------------------------------------------------------------------------------------------------------------
# Deleting and retrying
# ---------------------------------------------------------------------------------------------------------------
def video_delete(*, actor: Actor, video: Video) -> str:
    """Delete a video (see _video_delete), recorded in the audit log."""
    with audit.attempt(actor=actor, action="video.delete", target=video, project=video.project,
                       on_behalf_of=video.owner if actor.is_staff else None) as entry:  # fmt: skip
        entry.detail["note"] = _video_delete(actor=actor, video=video)
    return entry.detail["note"]


def _video_delete(*, actor: Actor, video: Video) -> str:
    """Delete ours and, where the provider can, upstream's. An unfinished job can't be deleted upstream (the contract
    allows deleting completed or failed jobs only), so it must finish (or be cancelled) first. Returns a note for the
    member when the provider keeps its copy ("" otherwise).

    The claim (lifecycle.begin_delete) is a conditional UPDATE on the row, never a check of the copy in memory: a
    dispatcher that started the job a moment ago makes the claim fail, and a claimed job is never started."""
    from quotas import services as quotas

    require_actor_role(actor, video.project, Role.EDITOR)
    if not lifecycle.begin_delete(video, actor):
        video.refresh_from_db()
        if video.is_deleted:
            return ""  # deleted already (a double click)
        raise ValidationError("This video is still being made; cancel it or delete it once it has finished.")
    note = ""
    if video.upstream_id:
        try:
            note = _delete_upstream(video)
        except ValidationError:
            lifecycle.undo_delete(video)
            raise
    with transaction.atomic():
        if video.status == Status.PENDING:
            quotas.refund(video)
        assets.assets_delete(video)
        if not video.remixes.exists():
            video.delete()
        # else: its remixes keep their family tree; the row stays as a tombstone (deleted, without files).
    return note


def _delete_upstream(video: Video) -> str:
    provider = video.provider
    keeps = f"{provider.name} cannot delete videos, so it keeps its own copy; the studio's copy is gone."
    if not provider.capabilities.supports("delete"):
        return keeps
    try:
        with circuit.watch(provider):
            client_for(provider).delete(video.upstream_id)
    except circuit.CircuitOpen as exc:
        raise ValidationError(f"{exc.message} Delete it again then.") from None
    except SoraError as exc:
        if exc.status == 404 and _still_there(video):
            # A 404 for the route, not the job (a relay without delete answers "Invalid URL"): the job is still there.
            learn_missing(provider, "routes", "delete", "DELETE answered 404 while the job was still there")
            return keeps
        if exc.status == 404 or (exc.status == 400 and video.status in (Status.FAILED, Status.CANCELLED)):
            return ""  # gone already, or never made (a failed job)
        if exc.status in (405, 501):
            learn_missing(provider, "routes", "delete", f"DELETE answered {exc.status}")
            return keeps
        raise ValidationError(f"{provider.name} refused to delete this video: {exc.message}") from None
    return ""


def _still_there(video: Video) -> bool:
    try:
        client_for(video.provider).retrieve(video.upstream_id)
    except SoraError:
        return False
    return True


def video_cancel(*, actor: Actor, video: Video) -> str:
    """Cancel a job (see _video_cancel), recorded in the audit log."""
    with audit.attempt(actor=actor, action="video.cancel", target=video, project=video.project,
                       on_behalf_of=video.owner if actor.is_staff else None) as entry:  # fmt: skip
        note = _video_cancel(actor=actor, video=video)
        if note:
            entry.detail["note"] = note
    return note


def _video_cancel(*, actor: Actor, video: Video) -> str:
    """Stop a waiting or rendering job: its reservation is given back at once, and the provider is asked to stop it
    where it can. Returns what happened upstream, for the member."""
    from quotas import services as quotas

    require_actor_role(actor, video.project, Role.EDITOR)
    who = actor.user.username if actor.user is not None else "the studio"
    with transaction.atomic():
        left = lifecycle.cancel(video, actor, message=f"Cancelled by {who}; nothing was charged.")
        if left is None:
            video.refresh_from_db()
            if video.status == Status.CANCELLED:
                return ""
            if video.status == Status.SUBMITTING:
                raise ValidationError(
                    f"It is being sent to {video.provider.name} right now; cancel it again in a few seconds."
                )
            raise ValidationError(f"It is {video.get_status_display().lower()}, so it can no longer be cancelled.")
        quotas.refund(video)
        _enqueue_dispatch()
    if left == Status.PENDING or not video.upstream_id:
        return ""
    # Rendering upstream: ask the provider to stop (vLLM-Omni's DELETE cancels; the contract only deletes
    # finished jobs, so OpenAI-like servers refuse and finish it anyway).
    provider = video.provider
    if provider.capabilities.supports("delete"):
        try:
            with circuit.watch(provider):
                client_for(provider).delete(video.upstream_id)
            return f"{provider.name} was asked to stop it."
        except SoraError as exc:
            log.info("video %s: %s did not cancel the job upstream (%s)", video.public_id, provider.slug, exc)
    return f"{provider.name} cannot stop a job it has started; it may finish there, but nothing is charged here."


def video_retry(*, actor: Actor, video: Video) -> Video:
    """A fresh attempt at a failed video (see _video_retry), recorded in the audit log (the new video as target)."""
    with audit.attempt(actor=actor, action="video.retry", project=video.project, target=video,
                       detail={"retry_of": str(video.public_id)},
                       on_behalf_of=video.owner if actor.is_staff else None) as entry:  # fmt: skip
        entry.target = _video_retry(actor=actor, video=video)
    return entry.target


@transaction.atomic
def _video_retry(*, actor: Actor, video: Video) -> Video:
    """A failed video gets a fresh attempt: a new video with the same settings (the failed one stays as a record).

    A member's retry is theirs; staff retrying from the admin act on the owner's behalf (the new video is the
    owner's, on the owner's quota) and are recorded as the ones who made it."""
    require_actor_role(actor, video.project, Role.EDITOR)
    if video.status != Status.FAILED:
        raise ValidationError("Only a failed video can be retried.")
    owner = video.owner if actor.kind == ActorKind.STAFF else actor.user
    if video.remixed_from_id:
        parent = video.remixed_from
        if parent is None:
            raise ValidationError(f"The video this {video.operation}ed is gone, so it cannot be retried.")
        if video.operation == Operation.EDIT:
            return video_edit(actor=actor, parent=parent, prompt=video.prompt, owner=owner)
        if video.operation == Operation.EXTEND:
            return video_extend(actor=actor, parent=parent, prompt=video.prompt, owner=owner,
                                seconds=video.seconds - parent.seconds)  # fmt: skip
        return video_remix(actor=actor, parent=parent, prompts=[video.prompt], owner=owner)[0]
    if not video.provider.is_active:
        raise ValidationError(f"{video.provider.name} is switched off, so this video cannot be retried there.")
    retry = Video(
        project=video.project, owner=owner, provider=video.provider, prompt=video.prompt, model=video.model,
        size=video.size, seconds=video.seconds, input_fit=video.input_fit, estimated_cost=video.estimated_cost,
        **_maker(actor),
    )  # fmt: skip
    retry = _save_new([retry])[0]
    from characters import selectors as cast_selectors
    from characters import services as cast

    cast.cast_record(video=retry, characters=cast_selectors.cast_of(video))  # the same people
    reference = Asset.objects.filter(video=video, kind=Asset.Kind.REFERENCE).first()
    if reference is not None:
        assets.asset_link(video=retry, kind=Asset.Kind.REFERENCE, source=reference)
    return retry
