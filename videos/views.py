from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Role, can, project_for
from accounts.actors import Actor
from accounts.models import Membership, User
from assets.serving import serve
from quotas import selectors as quota_selectors
from videos import selectors, services
from videos.access import video_file_for, video_for
from videos.forms import (
    GalleryFilterForm,
    RemixForm,
    VideoCreateForm,
    looks_like_several_changes,
)

PAGE_SIZE = 24
# The files a video page links to: the archived variants and the reference image (assets.Asset kinds).
FILES = ("video", "thumbnail", "spritesheet", "reference")


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def _gallery_page(request: HttpRequest, *, project=None) -> HttpResponse:
    if project is not None:
        owners = selectors.project_owners(project)
        writable = []  # this page offers "New video" in its own project only
        can_create = can(project.membership, Role.EDITOR)
    else:
        owners = User.objects.filter(memberships__project__memberships__user=request.user).distinct().order_by("username")
        memberships = Membership.objects.filter(user=request.user).select_related("project").order_by("project__name")
        writable = [m.project for m in memberships if m.has_role(Role.EDITOR)]
        can_create = bool(writable)
    form = GalleryFilterForm(request.GET or None, owners=list(owners.values_list("username", flat=True)))
    videos = selectors.gallery(request.user, project=project, filters=form.filters())
    page_obj = Paginator(videos, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": "gallery",
        "project": project,
        "can_create": can_create,
        "writable_projects": writable,
        "form": form,
        "page_obj": page_obj,
        "videos": page_obj.object_list,
        "querystring_base": _querystring_without_page(request),
        "filtered": any(form.data.get(k) for k in ("q", "status", "model", "owner", "since", "until")),
        "show_project": project is None,
    }
    return render(request, "videos/gallery.html", ctx)


@login_required
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    """All my videos, across my projects."""
    return _gallery_page(request)


@login_required
@require_GET
def project_gallery(request: HttpRequest, public_id) -> HttpResponse:
    return _gallery_page(request, project=project_for(request.user, public_id))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.EDITOR)
    form = VideoCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            video = services.video_submit(
                actor=Actor.member(request),
                project=project,
                prompt=data["prompt"],
                model=form.spec,
                size=data["size"],
                seconds=data["seconds"],
                input_reference=form.fitted_reference(),
                input_fit=data.get("input_fit") or "",
                submit_token=data.get("submit_token"),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Your video is on its way. This page follows its progress.")
            return redirect("videos:detail", public_id=video.public_id)
    ctx = {
        "page": "create",
        "project": project,
        "form": form,
        "model_table": form.model_table(),
        "allowance": quota_selectors.allowance_for(user=request.user, project=project),
    }
    return render(request, "videos/create.html", ctx, status=400 if form.errors else 200)


def _add_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_GET
def detail(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id)
    root, ancestors = selectors.lineage(video)
    now = timezone.now()
    remixable = video.is_remixable(now)
    ctx = {
        "page": "detail",
        "video": video,
        "project": video.project,
        "can_edit": can(video.membership, Role.EDITOR),
        "remix_form": RemixForm(),
        "remixable": remixable,
        "provider_remixes": video.provider.capabilities.supports("remix"),
        "remix_deadline": video.remix_deadline(),
        "remix_window_hours": settings.REMIX_WINDOW_HOURS,
        "lineage_root": root,
        "ancestor_ids": {a.id for a in ancestors},
        "parent": video.remixed_from,
        "generation": len(ancestors),
    }
    return render(request, "videos/detail.html", ctx)


@login_required
@require_POST
def remix(request: HttpRequest, public_id) -> HttpResponse:
    parent = video_for(request.user, public_id, Role.EDITOR)
    form = RemixForm(request.POST)
    if form.is_valid():
        prompt = form.cleaned_data["prompt"]
        try:
            children = services.video_remix(
                actor=Actor.member(request),
                parent=parent,
                prompts=[prompt] * form.cleaned_data["variations"],
                submit_token=form.cleaned_data.get("submit_token"),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if looks_like_several_changes(prompt):
                messages.warning(request, "Tip: remix works best with one change at a time. If the result drifts, split the changes into successive remixes.")
            n = len(children)
            messages.success(request, f"Remix started ({n} variation{'s' if n != 1 else ''}).")
            return redirect("videos:detail", public_id=children[0].public_id)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("videos:detail", public_id=parent.public_id)


@login_required
@require_POST
def delete(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id, Role.EDITOR)
    project = video.project
    try:
        note = services.video_delete(actor=Actor.member(request), video=video)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("videos:detail", public_id=video.public_id)
    if note:
        messages.success(request, f"The video was deleted from the studio. {note}")
    else:
        messages.success(request, "The video was deleted, here and at the provider.")
    return redirect("videos:project-gallery", public_id=project.public_id)


@login_required
@require_POST
def cancel(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id, Role.EDITOR)
    try:
        note = services.video_cancel(actor=Actor.member(request), video=video)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, " ".join(filter(None, ["Cancelled; its reservation was given back.", note])))
    return redirect("videos:detail", public_id=video.public_id)


@login_required
@require_POST
def retry(request: HttpRequest, public_id) -> HttpResponse:
    video = video_for(request.user, public_id, Role.EDITOR)
    try:
        new = services.video_retry(actor=Actor.member(request), video=video)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("videos:detail", public_id=video.public_id)
    messages.success(request, "Trying again with the same settings.")
    return redirect("videos:detail", public_id=new.public_id)


@login_required
@require_GET
def asset(request: HttpRequest, public_id, variant: str) -> HttpResponse:
    """An archived file or the reference image, served only to members of the video's project; one byte range
    when asked (video players seek with Range:)."""
    if variant not in FILES:
        raise Http404("No such file.")
    video = video_file_for(request.user, public_id)
    asset = video.assets.filter(kind=variant).first()
    if asset is None:
        raise Http404("This file has not been saved yet.")
    return serve(
        request,
        asset,
        filename=f"sora-{video.public_id}-{variant}.{asset.extension}",
        as_attachment=request.GET.get("download") == "1",
    )


@login_required
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """Live progress for the page's script: status, progress and freshly rendered fragments of the asked videos."""
    ids = [i for i in request.GET.get("ids", "").split(",") if i][:100]
    try:
        videos = (
            selectors.videos_visible_to(request.user)
            .filter(public_id__in=ids)
            .select_related("project", "owner", "provider")
            .prefetch_related("assets")
        )
        videos = list(videos)
    except ValidationError:
        return JsonResponse({"error": "ids must be video ids"}, status=400)
    # Only the fragments the asking page shows: gallery cards (cards=1) or the video page's player area (media=1).
    fragments = {"bar": "videos/progress_bar.html"}
    if request.GET.get("cards") == "1":
        fragments["card"] = "videos/video_card.html"
    if request.GET.get("media") == "1":
        fragments["media"] = "videos/detail_media.html"
        fragments["actions"] = "videos/detail_actions.html"
    show_project = request.GET.get("show_project") == "1"
    out = {}
    editable = {
        m.project_id for m in Membership.objects.filter(user=request.user, project__in={v.project_id for v in videos})
        if m.has_role(Role.EDITOR)
    } if "actions" in fragments else set()  # fmt: skip
    for video in videos:
        context = {"video": video, "show_project": show_project, "can_edit": video.project_id in editable}
        out[str(video.public_id)] = {
            "status": video.status,
            "status_label": video.get_status_display(),
            "progress": video.progress,
            "finished": not video.is_unfinished,
            **{name: render_to_string(template, context, request=request) for name, template in fragments.items()},
        }
    return JsonResponse({"videos": out})
