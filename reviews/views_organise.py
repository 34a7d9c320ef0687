"""Organising videos: a member's star, a video's tags and title (editors), and the galleries' bulk actions (tag,
favourite, delete, a zip download). Every write is a POST with its CSRF token; each form works without scripts and
comes back to the page it was sent from (`next`, same site only); static/js/organise.js stars without a reload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import Role
from accounts.actors import Actor
from reviews import organise_selectors as selectors
from reviews import organise_services as services
from videos.access import video_for


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (`next`: a path of this site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):  # fmt: skip
        return redirect(target)
    return redirect(default)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _detail(video) -> str:
    return reverse("videos:detail", args=[video.public_id]) + "#organise"


# ---------------------------------------------------------------------------------------------------------------
# One video: star, tags, title
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def favourite(request: HttpRequest, public_id) -> HttpResponse:
    """Star (on=1) or unstar (on=0) a video for me; any member of its project may."""
    video = video_for(request.user, public_id)
    on = services.favourite_set(actor=Actor.member(request), video=video, on=request.POST.get("on") == "1")
    if _wants_json(request):
        return JsonResponse({"favourite": on})
    return _back(request, reverse("videos:detail", args=[video.public_id]))


@login_required
@require_POST
def tag_add(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id, Role.EDITOR)
    try:
        tag = services.tag_add(actor=Actor.member(request), video=video, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Tagged “{tag.name}”.")
    return _back(request, _detail(video))


@login_required
@require_POST
def tag_remove(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id, Role.EDITOR)
    name = request.POST.get("name", "")
    if services.tag_remove(actor=Actor.member(request), video=video, name=name):
        messages.success(request, f"Removed the tag “{name.strip()}”.")
    else:
        messages.error(request, "This video does not carry that tag; nothing was changed.")
    return _back(request, _detail(video))


@login_required
@require_POST
def title(request: HttpRequest, public_id) -> HttpResponse:
    """Rename a video (editors and owners); an empty title brings the prompt back as its name."""
    video = video_for(request.user, public_id, Role.EDITOR)
    try:
        kept = services.title_set(actor=Actor.member(request), video=video, title=request.POST.get("title", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Renamed to “{kept}”." if kept else "The title was removed: the prompt names the video again."
        )
    return _back(request, _detail(video))


# ---------------------------------------------------------------------------------------------------------------
# Bulk actions on a gallery's selection (`videos`: public ids, at most organise_selectors.BULK_MAX)
# ---------------------------------------------------------------------------------------------------------------
def _selection(request: HttpRequest):
    """The selected videos, or None after saying why the selection was refused (nothing was changed)."""
    try:
        return selectors.bulk_videos(request.user, request.POST.getlist("videos"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None


def _say(request: HttpRequest, result: services.BulkResult, verb: str) -> None:
    (messages.success if result.done else messages.warning)(request, result.summary(verb))


@login_required
@require_POST
def bulk_tag(request: HttpRequest) -> HttpResponse:
    videos = _selection(request)
    if videos is not None:
        try:
            result = services.bulk_tag(actor=Actor.member(request), videos=videos, name=request.POST.get("tag", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
        else:
            _say(request, result, "Tagged")
    return _back(request, reverse("videos:gallery"))


@login_required
@require_POST
def bulk_favourite(request: HttpRequest) -> HttpResponse:
    videos = _selection(request)
    if videos is not None:
        on = request.POST.get("on", "1") != "0"
        _say(request, services.bulk_favourite(actor=Actor.member(request), videos=videos, on=on),
             "Starred" if on else "Unstarred")  # fmt: skip
    return _back(request, reverse("videos:gallery"))


@login_required
@require_POST
def bulk_delete(request: HttpRequest) -> HttpResponse:
    videos = _selection(request)
    if videos is not None:
        _say(request, services.bulk_delete(actor=Actor.member(request), videos=videos), "Deleted")
    return _back(request, reverse("videos:gallery"))


@login_required
@require_POST
def bulk_zip(request: HttpRequest) -> HttpResponse:
    """A zip of the selected videos' MP4s and a CSV of their prompts and settings, streamed as it is made."""
    videos = _selection(request)
    if videos is None:
        return _back(request, reverse("videos:gallery"))
    services.zip_record(actor=Actor.member(request), videos=videos)
    response = StreamingHttpResponse(services.zip_stream(videos), content_type="application/zip")
    name = f"sora-videos-{timezone.now():%Y%m%d-%H%M%S}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response
