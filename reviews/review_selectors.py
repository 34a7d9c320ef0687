"""Reads of the review part (issue #15, part 1): what the video and cut pages show (comments, markers, the review
state and its history), and the review state galleries and the lineage tree show, joined into their own query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.http import HttpRequest

from accounts.access import Role, can
from reviews import review_services as services
from reviews.models import Comment, ReviewChange, ReviewState

HISTORY = 20  # changes shown on the video page (the audit log keeps them all)
SESSION_ERRORS = "reviews:comment-refused"  # a refused comment's errors, shown once in the form it came from


def with_review_state(qs: QuerySet) -> QuerySet:
    """Videos with their review state as `review_state` ("none" or None when never reviewed), by a join in the
    same query: no query per card or node."""
    return qs.annotate(review_state=F("review__state"))


def filter_by_review(qs: QuerySet, state: str) -> QuerySet:
    """The gallery's review filter: videos in `state` (one of GALLERY_CHOICES)."""
    return qs.filter(review__state=state)


# The gallery's review filter (no "not reviewed": a gallery without the filter shows every video).
GALLERY_CHOICES = [("", "Any review")] + [(s.value, s.label) for s in ReviewState if s != ReviewState.NONE]


@dataclass
class Marker:
    comment: Comment
    left: float  # percent of the duration


def comments_of(*, video=None, cut=None) -> list[Comment]:
    """A video's (or cut's) comments, oldest first, with their authors (one query)."""
    qs = Comment.objects.select_related("author")
    qs = qs.filter(video=video) if video is not None else qs.filter(cut=cut)
    return list(qs.order_by("created_at", "id"))


def markers(comments: list[Comment], duration: float | None) -> list[Marker]:
    """Where each pinned comment sits on the player's timeline (percent of the duration), by time."""
    if not duration:
        return []
    pinned = sorted((c for c in comments if c.timecode is not None), key=lambda c: (c.timecode, c.id))
    return [Marker(c, round(min(100.0, 100.0 * c.timecode / duration), 3)) for c in pinned]


def history_of(video) -> list[ReviewChange]:
    """A video's latest review changes, newest first, with who made them (one query)."""
    return list(
        ReviewChange.objects.filter(video=video).select_related("actor").order_by("-created_at", "-id")[:HISTORY]
    )


def _refused_comment(request: HttpRequest, target_id: str) -> dict | None:
    """The errors and text of a comment just refused on this page (kept in the session for one page view)."""
    refused = request.session.get(SESSION_ERRORS)
    if not refused or refused.get("target") != target_id:
        return None
    del request.session[SESSION_ERRORS]
    return refused


def _comment_context(request: HttpRequest, *, membership, target_id: str, comments, duration) -> dict:
    return {
        "review_comments": comments,
        "review_markers": markers(comments, duration),
        "review_duration": duration,
        "review_can_comment": can(membership, Role.EDITOR),
        "review_is_owner": can(membership, Role.OWNER),
        "review_refused": _refused_comment(request, target_id),
        "review_max_length": Comment.MAX_LENGTH,
    }


def video_review_context(request: HttpRequest, video) -> dict:
    """The video page's review keys: comments (one query), the review state and its history (one query), the states
    the member may set (the project's policy is asked only of editors)."""
    membership = video.membership
    comments = comments_of(video=video)
    history = history_of(video)
    state = history[0].new if history else ReviewState.NONE
    video.review_state = state  # the lineage tree's node of this video shows it too
    allowed = []
    editors_approve = None
    if can(membership, Role.EDITOR) and video.status == "completed" and not video.is_deleted:
        # Owners approve whatever the policy says: only an editor's page asks for it.
        editors_approve = True if membership.has_role(Role.OWNER) else services.editors_may_approve(video.project)
        allowed = [s for s in services.allowed_states(membership, editors_approve=editors_approve) if s != state]
    return {
        **_comment_context(
            request,
            membership=membership,
            target_id=str(video.public_id),
            comments=comments,
            duration=float(video.seconds),
        ),
        "review_target": "video",
        "review_state": state,
        "review_state_label": ReviewState(state).label,
        "review_last": history[0] if history else None,
        "review_history": history,
        "review_choices": [(s, ReviewState(s).label) for s in allowed],
        "review_editors_approve": editors_approve,  # False: an editor's page says who approves
    }


def project_review_context(project) -> dict:
    """The project page's review keys: the project's policy (one query, owners only: they change it)."""
    if not can(getattr(project, "membership", None), Role.OWNER):
        return {}
    return {"review_editors_approve": services.editors_may_approve(project)}


def cut_review_context(request: HttpRequest, cut) -> dict:
    """The final cut page's review keys: its comments (one query) and their markers."""
    membership = cut.storyboard.project.membership
    comments = comments_of(cut=cut)
    return {
        **_comment_context(
            request,
            membership=membership,
            target_id=str(cut.public_id),
            comments=comments,
            duration=cut.duration_seconds,
        ),
        "review_target": "cut",
    }
