"""The review views' access rules, as rows of the studio's one table (tests/test_access.py): anonymous -> login,
outsider -> 404, viewer -> 403 for writes (an editor too for deleting an owner's comment or the project's policy),
GET -> 405."""

from __future__ import annotations

from django.urls import reverse

from tests.access import ViewSpec


def _url(name, key):
    return lambda w: reverse(name, args=[str(w[key].public_id)])


REVIEW_VIEWS = [
    ViewSpec("reviews:video-comment", _url("reviews:video-comment", "video"), "post", "editor",
             {"body": "Nice light at @bob", "timecode": "0:01"}),
    ViewSpec("reviews:cut-comment", _url("reviews:cut-comment", "cut"), "post", "editor", {"body": "Tighter here"}),
    # alice's (the owner's) comment: only she (its author) or another owner may delete it.
    ViewSpec("reviews:comment-delete", _url("reviews:comment-delete", "comment"), "post", "owner"),
    ViewSpec("reviews:video-review", _url("reviews:video-review", "video"), "post", "editor", {"state": "in_review"}),
    ViewSpec("reviews:review-policy", _url("reviews:review-policy", "project"), "post", "owner",
             {"editors_may_approve": "1"}),
]  # fmt: skip


def review_world(video, owner) -> dict:
    """alice's comment on the world's video."""
    from reviews.models import Comment

    return {"comment": Comment.objects.create(video=video, author=owner, body="Owner's note", timecode=1.0)}


def review_state():
    from reviews.models import Comment, ReviewChange, ReviewPolicy, VideoReview

    return (
        sorted(Comment.objects.values_list("id", "body")),
        sorted(VideoReview.objects.values_list("id", "state")),
        ReviewChange.objects.count(),
        sorted(ReviewPolicy.objects.values_list("project_id", "editors_may_approve")),
    )
