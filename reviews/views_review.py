"""Pages of the review part: post and delete comments (on a video or a final cut), set a video's review state, and
the project's review policy. Each is one POST action that redirects back to the page it came from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import Role, membership_for, project_for, require_role
from accounts.actors import Actor
from config.formerrors import add_service_errors
from reviews import review_services as services
from reviews.models import Comment, ReviewState
from reviews.review_forms import CommentForm, PolicyForm, ReviewForm
from reviews.review_selectors import SESSION_ERRORS
from storyboards.access import cut_for
from videos.access import video_for


def _page_of(*, video=None, cut=None, anchor: str = "comments") -> str:
    if video is not None:
        return reverse("videos:detail", args=[video.public_id]) + f"#{anchor}"
    return reverse("storyboards:cut", args=[cut.public_id]) + f"#{anchor}"


def _post_comment(request: HttpRequest, *, video=None, cut=None) -> HttpResponse:
    form = CommentForm(request.POST)
    target = video if video is not None else cut
    if form.is_valid():
        try:
            comment = services.comment_post(actor=Actor.member(request), video=video, cut=cut,
                                            body=form.cleaned_data["body"], timecode=form.cleaned_data["timecode"])  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Comment posted.")
            return redirect(_page_of(video=video, cut=cut, anchor=f"comment-{comment.public_id}"))
    # Refused: the page shows the reasons in the form (once), and the browser's kept draft fills the text back in.
    errors = [str(e) for field in form.errors.values() for e in field]
    request.session[SESSION_ERRORS] = {"target": str(target.public_id), "errors": errors,
                                       "timecode": (request.POST.get("timecode") or "")[:20]}  # fmt: skip
    return redirect(_page_of(video=video, cut=cut, anchor="comment-form"))


@login_required
@require_POST
def video_comment(request: HttpRequest, public_id) -> HttpResponse:
    return _post_comment(request, video=video_for(request.user, public_id, Role.EDITOR))


@login_required
@require_POST
def cut_comment(request: HttpRequest, public_id) -> HttpResponse:
    return _post_comment(request, cut=cut_for(request.user, public_id, Role.EDITOR))


@login_required
@require_POST
def comment_delete(request: HttpRequest, public_id) -> HttpResponse:
    """A comment's author or a project owner deletes it (outsiders: 404; other members: 403)."""
    comment = (
        Comment.objects.select_related("video__project", "cut__storyboard__project", "author")
        .filter(public_id=public_id)
        .first()
    )
    if comment is None or (comment.video_id and comment.video.is_deleted):
        raise Http404("No such comment.")
    project = comment.video.project if comment.video_id else comment.cut.storyboard.project
    project.membership = require_role(membership_for(request.user, project), Role.VIEWER)
    services.comment_delete(actor=Actor.member(request), comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect(_page_of(video=comment.video, cut=comment.cut))


@login_required
@require_POST
def video_review(request: HttpRequest, public_id) -> HttpResponse:
    """Set a video's review state (editors; approving as the project's policy says)."""
    video = video_for(request.user, public_id, Role.EDITOR)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The review was not changed: choose in review, approved or changes requested "
                       "(a note is at most 500 characters).")  # fmt: skip
        return redirect(_page_of(video=video, anchor="review"))
    try:
        services.review_set(actor=Actor.member(request), video=video, state=form.cleaned_data["state"],
                            note=form.cleaned_data["note"])  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "The review was not changed: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Review: {ReviewState(form.cleaned_data['state']).label.lower()}.")
    return redirect(_page_of(video=video, anchor="review"))


@login_required
@require_POST
def review_policy(request: HttpRequest, public_id) -> HttpResponse:
    """The project's review policy: whether editors may approve (owners only)."""
    project = project_for(request.user, public_id, Role.OWNER)
    form = PolicyForm(request.POST)
    form.is_valid()
    allowed = bool(form.cleaned_data.get("editors_may_approve"))
    services.review_policy_set(actor=Actor.member(request), project=project, editors_may_approve=allowed)
    messages.success(request, "Editors may now approve videos." if allowed else "Only owners approve videos now.")
    return redirect(reverse("accounts:project", args=[project.public_id]) + "#review-policy")
