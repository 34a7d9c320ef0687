"""Writes for storyboards, shots, takes and final cuts. Every write takes the actor who acts and checks their role.

A take is made through the videos app's own services (`video_submit`, `video_edit`, `video_extend`), so quotas, fair
scheduling and the job lifecycle are the same as for any video; this app only records which video is which shot's
take. A final cut is the studio's own work (no provider, no charge): asked for here (checked, numbered, its takes
fixed), stitched by a task (`cut_make`), and kept as assets; a failed cut keeps no file.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.access import Role, require_actor_role
from accounts.actors import SYSTEM, Actor
from accounts.models import Project
from assets import media
from assets import services as assets
from assets.models import Asset
from characters.models import MAX_PER_VIDEO, Character
from providers import selectors as providers
from storyboards import selectors
from storyboards.models import MAX_CROSSFADE_MS, MAX_SHOTS, FinalCut, Shot, Storyboard, Take
from storyboards.stitch import Clip, StitchError, stitch
from videos import services as videos
from videos.models import Video
from videos.sora.catalog import PROMPT_MAX_LENGTH

log = logging.getLogger(__name__)
HOLD = timedelta(minutes=10)  # how long a worker holds a cut it stitches before another may take over


# ---------------------------------------------------------------------------------------------------------------
# Storyboards and shots
# ---------------------------------------------------------------------------------------------------------------
def board_sizes() -> list[str]:
    """The sizes a storyboard may have: every size an offered model makes."""
    sizes = {s for m in providers.offered_models() for s in m.offered_sizes}
    return sorted(sizes, key=lambda s: (int(s.split("x")[0]) * int(s.split("x")[1]), s))


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the storyboard a title."})
    if len(title) > 200:
        raise ValidationError({"title": "The title is longer than 200 characters."})
    return title


@transaction.atomic
def storyboard_create(*, actor: Actor, project: Project, title: str, size: str) -> Storyboard:
    require_actor_role(actor, project, Role.EDITOR)
    title = _clean_title(title)
    if size not in board_sizes():
        raise ValidationError({"size": f"Pick one of the sizes the studio's models make: {', '.join(board_sizes())}."})
    board = Storyboard(project=project, title=title, size=size, created_by=actor.user)
    board.full_clean()
    board.save()
    return board


@transaction.atomic
def storyboard_delete(*, actor: Actor, storyboard: Storyboard) -> None:
    """The storyboard, its shots, takes (the videos stay in the project) and cuts with their files."""
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    for cut in FinalCut.objects.select_for_update().filter(storyboard=storyboard):
        if cut.status == FinalCut.Status.RUNNING and cut.held_until and cut.held_until > timezone.now():
            raise ValidationError("A cut of this storyboard is being stitched; delete it once it has finished.")
    storyboard.delete()  # each cut's files go with it (cut_files_drop)


def cut_files_drop(sender, instance: FinalCut, **kwargs) -> None:
    """After a cut's row is deleted (with its storyboard, its project, or in the admin): its MP4, thumbnail and
    spritesheet rows now, their files after commit."""
    ids = [i for i in (instance.video_id, instance.thumbnail_id, instance.spritesheet_id) if i is not None]
    if ids:
        assets.assets_delete_unattached(Asset.objects.filter(id__in=ids))


def _clean_shot(storyboard: Storyboard, prompt: str, model: str, seconds) -> tuple[str, str, int]:
    """(prompt, model key, seconds) for a shot of this board: a prompt, an offered model that makes the board's size,
    and one of that model's lengths."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise ValidationError({"prompt": "Describe the shot: the prompt is empty."})
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise ValidationError(
            {"prompt": f"The prompt is {len(prompt):,} characters; the limit is {PROMPT_MAX_LENGTH:,}."}
        )
    spec = providers.model_for(model)
    if storyboard.size not in spec.offered_sizes:
        raise ValidationError(
            {"model": f"{spec.display_label} does not make {storyboard.size} videos, this storyboard's size."}
        )
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        raise ValidationError({"seconds": "Say how long the shot is."}) from None
    if str(seconds) not in spec.offered_seconds:
        raise ValidationError(
            {"seconds": f"{spec.display_label} makes {', '.join(spec.offered_seconds)}-second videos."}
        )
    return prompt, providers.model_key(spec), seconds


def _lock(storyboard: Storyboard) -> Storyboard:
    """Lock the storyboard's row for this transaction (shot positions, take and cut numbers are counted under it)."""
    return Storyboard.objects.select_for_update().get(id=storyboard.id)


def _clean_cast(storyboard: Storyboard, model: str, characters) -> list[Character]:
    """The shot's characters, each once, in the order picked: at most two, of the board's project, with a model whose
    provider has characters. A ValidationError on "characters" says which rule was broken."""
    picked: list[Character] = []
    for character in characters or ():
        if character.id not in {c.id for c in picked}:
            picked.append(character)
    if len(picked) > MAX_PER_VIDEO:
        raise ValidationError(
            {"characters": f"A shot can have at most {MAX_PER_VIDEO} characters; {len(picked)} were picked."}
        )
    for character in picked:
        if character.project_id != storyboard.project_id:
            raise ValidationError({"characters": f"“{character.name}” is not in this project's cast."})
    if picked:
        spec = providers.model_for(model)
        if not spec.provider.capabilities.has_characters():
            raise ValidationError(
                {"characters": f"{spec.provider.name} cannot use characters. Pick a model of a provider that has "
                               "them, or leave the characters out."}
            )  # fmt: skip
    return picked


@transaction.atomic
def shot_add(*, actor: Actor, storyboard: Storyboard, prompt: str, model: str, seconds, characters=None) -> Shot:
    """A new last shot. `characters`: up to two `characters.models.Character` of the board's project."""
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    _lock(storyboard)
    prompt, model, seconds = _clean_shot(storyboard, prompt, model, seconds)
    cast = _clean_cast(storyboard, model, characters)
    count = storyboard.shots.count()
    if count >= MAX_SHOTS:
        raise ValidationError(f"A storyboard has at most {MAX_SHOTS} shots.")
    shot = Shot(storyboard=storyboard, position=count + 1, prompt=prompt, model=model, seconds=seconds)
    shot.full_clean()
    shot.save()
    shot.characters.set(cast)
    _touch(storyboard)
    return shot


@transaction.atomic
def shot_update(*, actor: Actor, shot: Shot, prompt: str, model: str, seconds, characters=None) -> Shot:
    """A new prompt, model, length or cast for the shot's next takes (its takes so far stay as they were made).
    `characters=None` keeps the shot's characters; a list (maybe empty) replaces them."""
    storyboard = shot.storyboard
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    prompt, model, seconds = _clean_shot(storyboard, prompt, model, seconds)
    cast = _clean_cast(storyboard, model, list(shot.characters.all()) if characters is None else characters)
    shot.prompt, shot.model, shot.seconds = prompt, model, seconds
    shot.save(update_fields=["prompt", "model", "seconds", "updated_at"])
    shot.characters.set(cast)
    _touch(storyboard)
    return shot


@transaction.atomic
def shot_delete(*, actor: Actor, shot: Shot) -> None:
    """The shot and its takes (their videos stay in the project); the shots after it move up."""
    storyboard = shot.storyboard
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    _lock(storyboard)
    shot.delete()
    _renumber(storyboard, list(storyboard.shots.order_by("position").values_list("id", flat=True)))
    _touch(storyboard)


def _renumber(storyboard: Storyboard, ids: list[int]) -> None:
    """Positions 1..n in the order of `ids`, in two steps so no two shots ever share a position."""
    shots = Shot.objects.filter(storyboard=storyboard)
    offset = MAX_SHOTS * 10 + shots.aggregate(m=Max("position"))["m"] if ids else 0
    for position, shot_id in enumerate(ids, start=1):
        shots.filter(id=shot_id).update(position=offset + position)
    for position, shot_id in enumerate(ids, start=1):
        shots.filter(id=shot_id).update(position=position)


@transaction.atomic
def shots_reorder(*, actor: Actor, storyboard: Storyboard, order: list[str]) -> list[Shot]:
    """Put the shots in this order (their public ids, each once). Returns the shots in their new order."""
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    _lock(storyboard)
    current = {str(s.public_id): s.id for s in storyboard.shots.all()}
    wanted = [str(x).strip() for x in order if str(x).strip()]
    if sorted(wanted) != sorted(current):
        raise ValidationError(
            "The new order must name every shot of the storyboard once (the page may be out of date: reload it)."
        )
    _renumber(storyboard, [current[x] for x in wanted])
    _touch(storyboard)
    return list(storyboard.shots.order_by("position"))


@transaction.atomic
def shot_move(*, actor: Actor, shot: Shot, direction: str) -> Shot:
    """One place up or down (the keyboard's and the no-script way to reorder)."""
    storyboard = shot.storyboard
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    if direction not in ("up", "down"):
        raise ValidationError("Move a shot up or down.")
    _lock(storyboard)
    ids = list(storyboard.shots.order_by("position").values_list("id", flat=True))
    at = ids.index(shot.id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        _renumber(storyboard, ids)
        _touch(storyboard)
    shot.refresh_from_db()
    return shot


def _touch(storyboard: Storyboard) -> None:
    Storyboard.objects.filter(id=storyboard.id).update(updated_at=timezone.now())


# ---------------------------------------------------------------------------------------------------------------
# Takes
# ---------------------------------------------------------------------------------------------------------------
def _submit_arguments(shot: Shot) -> dict:
    """What a new take of `shot` is made from: its prompt (unchanged), model, length and characters, at the board's
    size. (video_submit checks the characters again: the provider may have lost them since the shot was saved.)"""
    return {"prompt": shot.prompt, "model": shot.model, "size": shot.storyboard.size, "seconds": shot.seconds,
            "characters": list(shot.characters.all())}  # fmt: skip


def _record_take(*, actor: Actor, shot: Shot, video: Video, parent: Take | None = None) -> Take:
    if video.project_id != shot.storyboard.project_id:  # never a take of another project's video (its viewers differ)
        raise ValidationError("That video belongs to another project.")
    existing = Take.objects.filter(shot=shot, video=video).first()
    if existing is not None:  # a repeated submit (the same token) found the video the first one made
        return existing
    Shot.objects.select_for_update().filter(id=shot.id).first()
    number = (shot.takes.aggregate(m=Max("number"))["m"] or 0) + 1
    take = Take(shot=shot, number=number, video=video, parent=parent, created_by=actor.user)
    take.save()
    _touch(shot.storyboard)
    return take


@transaction.atomic
def shot_generate(*, actor: Actor, shot: Shot, submit_token: uuid.UUID | None = None) -> Take:
    """A new take of the shot: a video submitted through the normal pipeline (quotas, scheduling, lifecycle)."""
    storyboard = shot.storyboard
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    video = videos.video_submit(
        actor=actor, project=storyboard.project, submit_token=submit_token, **_submit_arguments(shot)
    )
    return _record_take(actor=actor, shot=shot, video=video)


def _parent_video(take: Take) -> Video:
    if take.is_gone:
        raise ValidationError(f"Take {take.number}'s video was deleted.")
    return take.video


@transaction.atomic
def take_edit(*, actor: Actor, take: Take, prompt: str, submit_token: uuid.UUID | None = None) -> Take:
    """An edit of a take's video (videos.services.video_edit), recorded as a new take of the same shot."""
    require_actor_role(actor, take.shot.storyboard.project, Role.EDITOR)
    child = videos.video_edit(actor=actor, parent=_parent_video(take), prompt=prompt, submit_token=submit_token)
    return _record_take(actor=actor, shot=take.shot, video=child, parent=take)


@transaction.atomic
def take_extend(
    *, actor: Actor, take: Take, prompt: str, seconds, submit_token: uuid.UUID | None = None
) -> Take:  # fmt: skip
    """An extension of a take's video (videos.services.video_extend), recorded as a new take of the same shot."""
    require_actor_role(actor, take.shot.storyboard.project, Role.EDITOR)
    child = videos.video_extend(
        actor=actor, parent=_parent_video(take), prompt=prompt, seconds=seconds, submit_token=submit_token
    )
    return _record_take(actor=actor, shot=take.shot, video=child, parent=take)


@transaction.atomic
def take_remix(*, actor: Actor, take: Take, prompt: str, submit_token: uuid.UUID | None = None) -> Take:
    """A remix of a take's video (videos.services.video_remix; where the provider has no edits), kept as a new take."""
    require_actor_role(actor, take.shot.storyboard.project, Role.EDITOR)
    child = videos.video_remix(actor=actor, parent=_parent_video(take), prompts=[prompt], submit_token=submit_token)[0]
    return _record_take(actor=actor, shot=take.shot, video=child, parent=take)


@transaction.atomic
def take_adopt(*, actor: Actor, shot: Shot, video: Video) -> Take:
    """A remix, edit or extension of one of the shot's takes made elsewhere (on the video's own page), kept as a take
    of the shot too. Only a direct child of a take: its own children can follow once it is a take."""
    storyboard = shot.storyboard
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    if video.project_id != storyboard.project_id or video.is_deleted:
        raise ValidationError("That video is not in this storyboard's project.")
    parent = shot.takes.filter(video_id=video.remixed_from_id).first() if video.remixed_from_id else None
    if parent is None:
        raise ValidationError("Only a remix, edit or extension of one of this shot's takes can be added to it.")
    if video.size != storyboard.size:
        raise ValidationError(f"That video is {video.size}; this storyboard's takes are {storyboard.size}.")
    return _record_take(actor=actor, shot=shot, video=video, parent=parent)


@transaction.atomic
def take_choose(*, actor: Actor, take: Take) -> Take:
    """Make this the shot's chosen take (the one the final cut uses); a finished, kept video only."""
    shot = take.shot
    require_actor_role(actor, shot.storyboard.project, Role.EDITOR)
    Shot.objects.select_for_update().filter(id=shot.id).first()
    take = Take.objects.select_related("video").get(id=take.id)
    if take.is_gone:
        raise ValidationError(f"Take {take.number}'s video was deleted, so it cannot be chosen.")
    if take.video.status != Video.Status.COMPLETED:
        raise ValidationError(f"Take {take.number} is not finished yet: only a completed take can be chosen.")
    Take.objects.filter(shot=shot, is_chosen=True).exclude(id=take.id).update(is_chosen=False)
    Take.objects.filter(id=take.id).update(is_chosen=True)
    _touch(shot.storyboard)
    take.is_chosen = True
    return take


# ---------------------------------------------------------------------------------------------------------------
# Final cuts
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def cut_request(*, actor: Actor, storyboard: Storyboard, crossfade_ms: int = 0) -> FinalCut:
    """A new version of the storyboard's cut from the takes chosen now, stitched by a task. Refused, with every
    problem named and nothing made, when a shot has no usable chosen take or the takes differ in size."""
    require_actor_role(actor, storyboard.project, Role.EDITOR)
    try:
        crossfade_ms = int(crossfade_ms or 0)
    except (TypeError, ValueError):
        raise ValidationError({"crossfade_ms": "The crossfade is a number of milliseconds."}) from None
    if not 0 <= crossfade_ms <= MAX_CROSSFADE_MS:
        raise ValidationError({"crossfade_ms": f"A crossfade lasts 0 to {MAX_CROSSFADE_MS} ms."})
    _lock(storyboard)
    plan = selectors.cut_plan(storyboard)
    if plan.problems:
        raise ValidationError(plan.problems)
    number = (storyboard.cuts.aggregate(m=Max("number"))["m"] or 0) + 1
    cut = FinalCut(
        storyboard=storyboard, number=number, crossfade_ms=crossfade_ms, created_by=actor.user,
        entries=[
            {"shot": shot.position, "shot_id": str(shot.public_id), "prompt": take.video.prompt, "take": take.number,
             "take_id": str(take.public_id), "video_id": str(take.video.public_id), "seconds": take.video.seconds}
            for shot, take in plan.chosen
        ],
    )  # fmt: skip
    cut.full_clean()
    cut.save()
    from storyboards import tasks

    transaction.on_commit(lambda: tasks.enqueue_cut(cut.id))
    return cut


def _claim(cut_id: int) -> FinalCut | None:
    """Take the cut for this worker (a waiting one, or one whose previous worker's hold has expired)."""
    now = timezone.now()
    with transaction.atomic():
        cut = FinalCut.objects.select_for_update().filter(id=cut_id).first()
        if cut is None or not cut.is_unfinished:
            return None
        if cut.status == FinalCut.Status.RUNNING and cut.held_until and cut.held_until > now:
            return None
        cut.status, cut.held_until, cut.progress = FinalCut.Status.RUNNING, now + HOLD, 0
        cut.save(update_fields=["status", "held_until", "progress", "updated_at"])
    return cut


def _report(cut: FinalCut, pct: int) -> None:
    FinalCut.objects.filter(id=cut.id, status=FinalCut.Status.RUNNING).update(
        progress=max(0, min(99, pct)), held_until=timezone.now() + HOLD, updated_at=timezone.now()
    )


def _fail(cut: FinalCut, message: str) -> FinalCut:
    failed = FinalCut.objects.filter(id=cut.id, status=FinalCut.Status.RUNNING).update(
        status=FinalCut.Status.FAILED, error_message=message, held_until=None, updated_at=timezone.now()
    )
    if failed:
        _announce(cut, FinalCut.Status.FAILED, message)
    cut.refresh_from_db()
    return cut


def _announce(cut: FinalCut, new: str, error: str = "") -> None:
    """storyboards.events.cut_finished, once committed (notifications listen)."""
    from storyboards.events import cut_finished

    transaction.on_commit(
        lambda: cut_finished.send(sender=FinalCut, cut_id=cut.id, public_id=cut.public_id, new=new, error=error)
    )


def cut_make(*, cut_id: int, actor: Actor = SYSTEM) -> FinalCut | None:
    """Stitch the cut's takes (the task's work; safe to run twice). Checks every take again (deleted meanwhile? file
    missing?); on any problem the cut fails with the reason and nothing is left in storage."""
    cut = _claim(cut_id)
    if cut is None:
        return None
    ids = [e["video_id"] for e in cut.entries]
    found = {
        str(v.public_id): v
        for v in Video.objects.filter(public_id__in=ids, project=cut.storyboard.project_id)
        .prefetch_related("assets")
    }  # fmt: skip
    problems, sources = [], []
    for entry in cut.entries:
        label = f"Shot {entry['shot']} (take {entry['take']})"
        video = found.get(entry["video_id"])
        if video is None or video.is_deleted:
            problems.append(f"{label}: its video was deleted after the cut was asked for. Choose another take.")
            continue
        asset = video.asset_map.get("video")
        if asset is None:
            problems.append(f"{label}: its video has no stored MP4.")
            continue
        try:
            if not asset.file.storage.exists(asset.file.name):
                raise FileNotFoundError(asset.file.name)
            sources.append((label, asset.file.storage.open(asset.file.name, "rb")))  # a handle of its own
        except OSError:
            problems.append(f"{label}: its MP4 is missing from the studio's storage. Choose another take.")
    try:
        if problems:
            return _fail(cut, " ".join(problems))
        with tempfile.TemporaryDirectory(prefix="studio-cut-") as folder:
            path = os.path.join(folder, "cut.mp4")
            try:
                result = stitch(
                    [Clip(label, handle) for label, handle in sources], path,
                    crossfade=cut.crossfade_ms / 1000, progress=lambda pct: _report(cut, pct),
                )  # fmt: skip
                thumbnail = media.thumbnail_from_mp4(path)
                spritesheet = media.spritesheet_from_mp4(path)
            except (StitchError, media.MediaError) as exc:
                return _fail(cut, str(exc))
            return _keep(cut, path, thumbnail, spritesheet, result)
    except Exception:
        log.exception("final cut %s failed", cut.id)
        _fail(cut, "The cut could not be made (an error in the studio; it is in the server's log). Try again.")
        raise
    finally:
        for _label, handle in sources:
            handle.close()


def _keep(cut: FinalCut, path: str, thumbnail: bytes, spritesheet: bytes, result) -> FinalCut:
    """Store the cut's files and complete it, or store nothing."""
    import io

    stored: list[Asset] = []
    try:
        stem = f"cut-{cut.public_id}"
        with open(path, "rb") as fh:
            stored.append(
                assets.asset_store_unattached(kind="video", content=fh, origin=Asset.Origin.STUDIO, stem=stem)
            )
        for kind, data in (("thumbnail", thumbnail), ("spritesheet", spritesheet)):
            stored.append(
                assets.asset_store_unattached(
                    kind=kind, content=io.BytesIO(data), origin=Asset.Origin.STUDIO, stem=stem
                )
            )
        entries = [
            {**entry, "start": round(start, 3), "end": round(end, 3)}
            for entry, (start, end) in zip(cut.entries, result.spans, strict=True)
        ]
        with transaction.atomic():
            done = FinalCut.objects.filter(id=cut.id, status=FinalCut.Status.RUNNING).update(
                status=FinalCut.Status.COMPLETED, progress=100, held_until=None, video=stored[0],
                thumbnail=stored[1], spritesheet=stored[2], width=result.width, height=result.height,
                fps=float(result.fps), duration_seconds=result.duration_seconds, has_audio=result.has_audio,
                entries=entries, completed_at=timezone.now(), updated_at=timezone.now(),
            )  # fmt: skip
            if not done:  # another worker finished or failed it meanwhile: keep nothing of ours
                raise _Superseded
            _announce(cut, FinalCut.Status.COMPLETED)
    except BaseException as exc:
        with transaction.atomic():
            assets.assets_delete_unattached(stored)
        if isinstance(exc, _Superseded):
            cut.refresh_from_db()
            return cut
        raise
    cut.refresh_from_db()
    return cut


class _Superseded(Exception):
    pass
