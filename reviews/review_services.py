"""Writes of the review part (issue #15, part 1): comments (optionally at a timecode, with @mentions of members),
a video's review state and its history, and the project's review policy.

Who may do what:
- comments: posted by editors and owners (viewers read them); deleted by their author or a project owner;
- review state: editors set "in review" and "changes requested"; owners approve (editors too when the project's
  policy allows it) and clear a review back to "not reviewed";
- policy: owners.
Events (reviews.events) are sent once the change is committed.
"""

from __future__ import annotations

import logging
import re
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Role, require_actor_role
from accounts.actors import Actor
from accounts.models import Membership, Project
from audit import services as audit
from reviews import events
from reviews.models import Comment, ReviewChange, ReviewPolicy, ReviewState, VideoReview
from videos.models import Video

log = logging.getLogger(__name__)

MAX_NOTE = 500
# @username: Django's usernames (letters, digits, @ . + - _), not inside a word or an email address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")


def format_timecode(seconds: float | None) -> str:
    """m:ss (h:mm:ss past an hour), rounded down to the second."""
    if seconds is None:
        return ""
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def parse_timecode(text: str) -> float | None:
    """ "" -> None; "2", "2.5", "0:02", "1:05.5", "1:02:03" -> seconds. Raises ValidationError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise ValidationError("A timecode cannot be negative.", code="timecode_negative")
    parts = text.split(":")
    try:
        if len(parts) > 3 or any(p.strip() == "" for p in parts):
            raise ValueError
        numbers = [float(p) for p in parts]
        if any(n < 0 or n != n or n in (float("inf"),) for n in numbers):
            raise ValueError
        if len(parts) > 1 and (numbers[-1] >= 60 or (len(parts) == 3 and numbers[1] >= 60)):
            raise ValueError
        if any(not p.strip().isdigit() for p in parts[:-1]):
            raise ValueError
    except ValueError:
        raise ValidationError(
            "Write a timecode as m:ss (for example 0:02 or 1:05) or as seconds (2.5).", code="timecode_invalid"
        ) from None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return round(seconds, 2)


def _send(signal, **kwargs) -> None:
    """Send one of the app's events (after the commit): a listener that fails is logged and holds nothing up."""
    for receiver, result in signal.send_robust(**kwargs):
        if isinstance(result, Exception):
            log.error("reviews: %s failed on %s", receiver, kwargs.get("sender"), exc_info=result)


def mentioned_members(body: str, project: Project) -> dict[str, int]:
    """The project's members named with @username in `body` (case-insensitive): their usernames -> user ids. Any
    other @word (someone outside the project, a typo) is not a mention."""
    names = {m.group(1) for m in MENTION.finditer(body)}
    # "@bob." at the end of a sentence names bob.
    candidates = {n.lower() for n in names} | {n.rstrip(".-+").lower() for n in names}
    candidates.discard("")
    if not candidates:
        return {}
    members = Membership.objects.filter(project=project).values_list("user__username", "user_id")
    return {username: user_id for username, user_id in members if username.lower() in candidates}


def _duration(*, video: Video | None, cut) -> float | None:
    if video is not None:
        return float(video.seconds)
    return cut.duration_seconds


def comment_post(*, actor: Actor, body: str, timecode: float | None = None, video: Video | None = None,
                 cut=None) -> Comment:  # fmt: skip
    """A comment on `video` or on the final cut `cut` by an editor or owner of its project."""
    if (video is None) == (cut is None):
        raise ValueError("a comment is on a video or on a cut")
    project = video.project if video is not None else cut.storyboard.project
    require_actor_role(actor, project, Role.EDITOR)
    if video is not None and video.is_deleted:
        raise ValidationError("This video was deleted.")
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = ["Write a comment first: it is empty."]
    elif len(body) > Comment.MAX_LENGTH:
        errors["body"] = [f"A comment is at most {Comment.MAX_LENGTH:,} characters; this one has {len(body):,}."]
    if timecode is not None:
        duration = _duration(video=video, cut=cut)
        what = "video" if video is not None else "cut"
        if timecode < 0:
            errors["timecode"] = ["A timecode cannot be negative."]
        elif duration is None:
            errors["timecode"] = [f"This {what} has no length yet, so a comment cannot be pinned to a time."]
        elif timecode > duration:
            errors["timecode"] = [
                f"{format_timecode(timecode)} is past the end of this {what} ({format_timecode(duration)} long)."
            ]
    if errors:
        raise ValidationError(errors)
    mentions = mentioned_members(body, project)
    with transaction.atomic():
        comment = Comment(video=video, cut=cut, author=actor.user, body=body, timecode=timecode,
                          mentions=sorted(mentions))  # fmt: skip
        comment.full_clean()
        comment.save()
        author_id = actor.user.id if actor.user is not None else None
        for user_id in sorted(set(mentions.values())):
            if user_id != author_id:  # naming oneself notifies no one
                transaction.on_commit(partial(
                    _send, events.member_mentioned, sender=Comment, comment_id=comment.id, user_id=user_id,
                    video_id=comment.video_id, cut_id=comment.cut_id, author_id=author_id, excerpt=body,
                ))  # fmt: skip
    return comment


def comment_delete(*, actor: Actor, comment: Comment) -> None:
    """Delete a comment: its author (still a member) or an owner of the project."""
    project = comment.video.project if comment.video_id else comment.cut.storyboard.project
    membership = require_actor_role(actor, project, Role.VIEWER)
    is_author = actor.user is not None and comment.author_id == actor.user.id
    if membership is not None and not is_author and not membership.has_role(Role.OWNER):
        raise PermissionDenied("Only its author or an owner of the project can delete a comment.")
    comment.delete()


def editors_may_approve(project: Project) -> bool:
    return ReviewPolicy.objects.filter(project=project, editors_may_approve=True).exists()


def allowed_states(membership: Membership | None, *, editors_approve: bool) -> list[str]:
    """The states a member may set (None: staff or the studio itself, who may set any)."""
    if membership is None:
        return [s.value for s in ReviewState]
    if membership.has_role(Role.OWNER):
        return [s.value for s in ReviewState]
    if membership.has_role(Role.EDITOR):
        states = [ReviewState.IN_REVIEW.value, ReviewState.CHANGES_REQUESTED.value]
        return states + [ReviewState.APPROVED.value] if editors_approve else states
    return []


def review_set(*, actor: Actor, video: Video, state: str, note: str = "") -> ReviewChange:
    """Change a video's review state (history kept, audit log "review.change", event review_changed on commit)."""
    note = (note or "").strip()
    with audit.attempt(actor=actor, action="review.change", target=video, project=video.project,
                       detail={"to": state}) as entry:  # fmt: skip
        membership = require_actor_role(actor, video.project, Role.EDITOR)
        if state not in ReviewState.values:
            raise ValidationError({"state": [f"“{state}” is not a review state."]})
        if len(note) > MAX_NOTE:
            raise ValidationError({"note": [f"A note is at most {MAX_NOTE} characters; this one has {len(note)}."]})
        if state not in allowed_states(membership, editors_approve=editors_may_approve(video.project)):
            label = ReviewState(state).label.lower()
            if state == ReviewState.APPROVED:
                raise PermissionDenied(
                    "Only the project's owners approve videos here (an owner can let editors approve too)."
                )
            raise PermissionDenied(f"Only the project's owners can set a video back to “{label}”.")
        if video.is_deleted or video.status != Video.Status.COMPLETED:
            raise ValidationError("Only a completed video can be reviewed.")
        now = timezone.now()
        with transaction.atomic():
            Video.objects.select_for_update().filter(id=video.id).first()  # one change at a time per video
            review = VideoReview.objects.filter(video=video).first()
            old = review.state if review is not None else ReviewState.NONE
            if old == state:
                raise ValidationError(f"This video is already “{ReviewState(state).label.lower()}”.")
            if review is None:
                review = VideoReview(video=video)
            review.state, review.set_by, review.set_at = state, actor.user, now
            review.full_clean(exclude=["video"])
            review.save()
            change = ReviewChange.objects.create(
                video=video, old=old, new=state, actor=actor.user,
                actor_name=actor.user.username if actor.user is not None else str(actor), note=note,
            )  # fmt: skip
            transaction.on_commit(
                partial(
                    _send,
                    events.review_changed,
                    sender=Video,
                    video_id=video.id,
                    old=old,
                    new=state,
                    actor=actor,
                    note=note,
                )
            )
        entry.detail.update({"from": old, **({"note": note[:200]} if note else {})})
    return change


def review_policy_set(*, actor: Actor, project: Project, editors_may_approve: bool) -> ReviewPolicy:
    """The project's review policy, changed by an owner (audit log "review.policy")."""
    with audit.attempt(actor=actor, action="review.policy", target=project, project=project,
                       detail={"editors_may_approve": bool(editors_may_approve)}):  # fmt: skip
        require_actor_role(actor, project, Role.OWNER)
        policy, _ = ReviewPolicy.objects.update_or_create(
            project=project, defaults={"editors_may_approve": bool(editors_may_approve), "updated_by": actor.user}
        )
    return policy
