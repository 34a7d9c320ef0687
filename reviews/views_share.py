"""Guest links (issue #15, part 3): editors make and revoke them on a video's or a cut's page; guests open them at
/g/<token>/ without an account.

Every guest response (the page, the password form, the gone page, the files) says `X-Robots-Tag: noindex, nofollow`;
the pages also send `Referrer-Policy: no-referrer` (the token in the address never leaves in a Referer) and
`Cache-Control: private, no-store`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import Role, require_role
from accounts.actors import Actor, client_address
from assets.serving import serve
from audit import services as audit
from reviews import share_services as share
from reviews.models import GuestLink
from reviews.share_access import guest_link_for
from reviews.share_forms import GuestLinkForm, GuestPasswordForm
from storyboards.access import cut_for
from videos.access import video_for

log = logging.getLogger(__name__)
ROBOTS = "noindex, nofollow"
GUEST_FILES = ("video", "thumbnail")  # a guest reaches the shared video's MP4 and poster, nothing else


# ---------------------------------------------------------------------------------------------------------------
# Editors: make and revoke
# ---------------------------------------------------------------------------------------------------------------
def _back(*, video=None, cut=None) -> str:
    if video is not None:
        return reverse("videos:detail", args=[video.public_id]) + "#guest-links"
    return reverse("storyboards:cut", args=[cut.public_id]) + "#guest-links"


def _require_editor(request: HttpRequest, project, *, action: str, target) -> None:
    """403 for a viewer (recorded in the audit log as a refused attempt), before the form is even read."""
    try:
        require_role(project.membership, Role.EDITOR)
    except PermissionDenied as exc:
        audit.mark_recorded(exc)
        audit.record(actor=Actor.member(request), action=action, target=target, project=project,
                     outcome=audit.REFUSED, reason=audit.reason_of(exc))  # fmt: skip
        raise


def _create(request: HttpRequest, *, video=None, cut=None) -> HttpResponse:
    target = video if video is not None else cut
    project = video.project if video is not None else cut.storyboard.project
    _require_editor(request, project, action="guest_link.create", target=target)
    form = GuestLinkForm(request.POST)
    if not form.is_valid():
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"The guest link was not made: {problems}")
        return redirect(_back(video=video, cut=cut))
    try:
        link, token = share.link_create(actor=Actor.member(request), video=video, cut=cut, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "The guest link was not made: " + " ".join(exc.messages))
        return redirect(_back(video=video, cut=cut))
    # The token exists only in this response: shown once, never stored (neither in the session nor in a message).
    ctx = {
        "page": "share-created",
        "link": link,
        "url": settings.SITE_URL.rstrip("/") + reverse("reviews:guest", args=[token]),  # the studio's public address
        "back": _back(video=video, cut=cut),
        "target_label": "video" if video is not None else f"final cut {cut.number}",
    }
    response = render(request, "reviews/share_created.html", ctx, status=201)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def create_for_video(request: HttpRequest, public_id) -> HttpResponse:
    return _create(request, video=video_for(request.user, public_id))


@login_required
@require_POST
def create_for_cut(request: HttpRequest, public_id) -> HttpResponse:
    return _create(request, cut=cut_for(request.user, public_id))


@login_required
@require_POST
def revoke(request: HttpRequest, public_id) -> HttpResponse:
    link = guest_link_for(request.user, public_id)
    # A viewer's 403 (and its refused entry in the audit log) comes from the service.
    if share.link_revoke(actor=Actor.member(request), link=link):
        messages.success(request, f"The guest link {link.token_prefix}… was revoked: it no longer opens.")
    else:
        messages.info(request, f"The guest link {link.token_prefix}… was already revoked.")
    return redirect(_back(video=link.video, cut=link.cut))


# ---------------------------------------------------------------------------------------------------------------
# Guests
# ---------------------------------------------------------------------------------------------------------------
def _guest_headers(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = ROBOTS
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _guest_view(*methods: str) -> Callable:
    """A guest view: only `methods` (405 otherwise), and its refusals logged by the link's prefix only. (Django logs
    every 4xx with its path, and a guest's path holds a working token.)"""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = _guest_headers(HttpResponseNotAllowed(methods))
            else:
                response = view(request, token, *args, **kwargs)
            if response.status_code >= 400:
                response._has_been_logged = True  # type: ignore[attr-defined]
                log.warning("guest link %s…: %s %s (%s)", token[: share.PREFIX_LENGTH], request.method,
                            response.status_code, view.__name__)  # fmt: skip
            return response

        return wrapper

    return decorate


def _gone(request: HttpRequest) -> HttpResponse:
    """The one answer for unknown, expired and revoked links and deleted videos: nothing tells them apart."""
    return _guest_headers(render(request, "reviews/share_gone.html", {"page": "guest"}, status=404))


def _session_key(link: GuestLink) -> str:
    return f"guest-link-unlocked:{link.public_id}"


def _unlocked(request: HttpRequest, link: GuestLink) -> bool:
    """No password, or this browser's session typed it for this link (and for no other)."""
    return not link.has_password or request.session.get(_session_key(link)) is True


# The password form is posted by browsers that may carry no session yet and, under `Referrer-Policy: no-referrer`,
# send no Referer and `Origin: null`, which CSRF checks refuse. Nothing is at stake for a forged post: it can only
# unlock the link for whoever already knows its password, and tries are limited per link whoever sends them.
@csrf_exempt
@_guest_view("GET", "POST")
def guest(request: HttpRequest, token: str) -> HttpResponse:
    link = share.link_for_token(token)
    if link is None:
        return _gone(request)
    if not _unlocked(request, link):
        return _password_page(request, link, token)
    if request.method == "POST":
        return _guest_headers(redirect("reviews:guest", token=token))
    share.link_viewed(link=link, address=client_address(request))
    ctx = {
        "page": "guest",
        "link": link,
        "video": link.video,
        "cut": link.cut,
        "file_url": reverse("reviews:guest-file", args=[token, "video"]),
        "poster_url": reverse("reviews:guest-file", args=[token, "thumbnail"]) if _poster(link) else "",
        "prompt": _prompt(link) if link.show_prompt else "",
    }
    return _guest_headers(render(request, "reviews/share_guest.html", ctx))


def _password_page(request: HttpRequest, link: GuestLink, token: str) -> HttpResponse:
    status = 200
    form = GuestPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        status = 400
        typed = request.POST.get("password", "")
        try:
            ok = share.password_check(link, typed)
        except share.TooManyTries as exc:
            form.errors.clear()
            form.add_error(None, str(exc))
            response = render(request, "reviews/share_password.html", {"page": "guest", "form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return _guest_headers(response)
        if ok:
            request.session.cycle_key()
            request.session[_session_key(link)] = True
            return _guest_headers(redirect("reviews:guest", token=token))
        form.errors.clear()
        form.add_error("password", "That password is not right. Try again.")
    return _guest_headers(
        render(request, "reviews/share_password.html", {"page": "guest", "form": form}, status=status)
    )


def _poster(link: GuestLink):
    if link.video_id:
        return link.video.asset_map.get("thumbnail")
    return link.cut.thumbnail


def _prompt(link: GuestLink) -> str:
    if link.video_id:
        return link.video.prompt
    return "\n".join(f"Shot {e['shot']}: {e['prompt']}" for e in link.cut.entries)


@_guest_view("GET")
def guest_file(request: HttpRequest, token: str, variant: str) -> HttpResponse:
    """The shared video's MP4 (with byte ranges, for playing and seeking) or its poster; the MP4 as a download only
    when the link allows it. Anything else, or a link that no longer opens: 404."""
    link = share.link_for_token(token)
    if link is None or variant not in GUEST_FILES or not _unlocked(request, link):
        return _gone(request)
    download = request.GET.get("download") == "1"
    if download and (not link.allow_download or variant != "video"):
        return _gone(request)
    asset = link.video.asset_map.get(variant) if link.video_id else getattr(link.cut, variant)
    if asset is None:
        return _gone(request)
    if download and request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        share.link_downloaded(link=link, address=client_address(request))
    try:
        response = serve(request, asset, filename=f"shared-{variant}.{asset.extension}", as_attachment=download)
    except Http404:
        return _gone(request)
    response["X-Robots-Tag"] = ROBOTS
    if response.status_code in (200, 206):
        response["Cache-Control"] = "private, no-store"  # a revoked link stops at once, even from a browser's cache
    return response
