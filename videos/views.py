from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Role, can, project_for
from accounts.actors import Actor
from accounts.models import Membership
from accounts.selectors import project_labels
from assets.serving import serve
from audit import services as audit
from config.formerrors import add_service_errors
from quotas import selectors as quota_selectors
from reviews import organise_selectors as organise
from videos import cards, selectors, services
from videos.access import video_file_for, video_for
from videos.forms import (
    EditForm,
    ExtendForm,
    GalleryFilterForm,
    RemixForm,
    VideoCreateForm,
    looks_like_several_changes,
)
from videos.models import Video

PAGE_SIZE = 24
# The files a video page links to: the archived variants and the reference image (assets.Asset kinds).
FILES = ("video", "thumbnail", "spritesheet", "reference")


def _gallery_page(request: HttpRequest, *, project=None) -> HttpResponse:
    memberships = selectors.memberships_of(request.user) if project is None else []
    if project is not None:
        owners = selectors.project_owners(project).values_list("username", flat=True)
        writable = []  # this page offers "New video" in its own project only
        can_create = can(project.membership, Role.EDITOR)
    else:
        owners = selectors.people_of_my_projects(request.user).values_list("username", flat=True)
        writable = [m.project for m in memberships if m.has_role(Role.EDITOR)]
        can_create = bool(writable)
    form = GalleryFilterForm(request.GET or None, owners=list(owners))
    filters = form.filters()
    page = selectors.gallery_page(
        request.user, project=project, filters=filters, page=request.GET.get("page"),
        after=request.GET.get("after", ""), before=request.GET.get("before", ""), per_page=PAGE_SIZE,
        project_ids=[m.project_id for m in memberships] if project is None else None,
    )  # fmt: skip
    page_obj = page.numbered
    organise.decorate(page.videos, request.user)  # each card's tags and my star (one query each)
    ctx = {
        "page": "gallery",
        "project": project,
        "can_create": can_create,
        "writable_projects": project_labels(request.user, writable),
        "form": form,
        "mine": filters.mine,
        "gallery_page": page,
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
        if page_obj
        else [],
        "videos": page.videos,
        "video_cards": list(zip(page.videos, cards.render_cards(page.videos, show_project=project is None,
                                                                 request=request))),
        "filtered": any(form.data.get(k) for k in GalleryFilterForm.FILTERS),
        "show_project": project is None,
        "tag_suggestions": organise.tag_suggestions(request.user, project),
        "bulk_max": organise.BULK_MAX,
    }
    return render(request, "videos/gallery.html", ctx)


@login_required
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    """Every video of every project I am in (or, with the Mine tab, only mine)."""
    return _gallery_page(request)


@login_required
@require_GET
def project_gallery(request: HttpRequest, public_id) -> HttpResponse:
    return _gallery_page(request, project=project_for(request.user, public_id))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.EDITOR)
    source = _edit_source(request, project) if request.method == "GET" else None
    initial = VideoCreateForm.initial_from(source) if source else None
    form = VideoCreateForm(request.POST or None, request.FILES or None, initial=initial, project=project)
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
                characters=data.get("characters") or [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your video is on its way. This page follows its progress.")
            return redirect("videos:detail", public_id=video.public_id)
    ctx = {
        "page": "create",
        "project": project,
        "form": form,
        "model_table": form.model_table(),
        "allowance": quota_selectors.allowance_for(user=request.user, project=project),
        "source": source,
    }
    return render(request, "videos/create.html", ctx, status=400 if form.errors else 200)


def _video_named_in_query(request: HttpRequest, param: str, **filters) -> Video | None:
    """The video of the user's projects whose id is in ?<param>= and that matches `filters`; None for anything else
    (no such video, someone else's, a malformed id). "Edit and retry" links name the failed video this way."""
    wanted = request.GET.get(param)
    if not wanted:
        return None
    try:
        videos = selectors.videos_visible_to(request.user).filter(public_id=wanted, **filters)
        return videos.prefetch_related("assets").first()
    except ValidationError:
        return None


def _edit_source(request: HttpRequest, project) -> Video | None:
    """?from=: a video of this project (not a remix) whose prompt and settings the create form starts from."""
    return _video_named_in_query(request, "from", project=project, remixed_from__isnull=True)


def _file_missing(video) -> bool:
    """An archived video whose MP4 is gone from storage (one cheap existence check; the video page only)."""
    if not video.is_archived:
        return False
    asset = video.asset_map["video"]
    return not asset.file.storage.exists(asset.file.name)


def _retry_source(request: HttpRequest, parent: Video) -> Video | None:
    """?retry=: a failed remix of `parent` whose prompt the remix form starts from."""
    return _video_named_in_query(request, "retry", remixed_from=parent, status=Video.Status.FAILED)


def _detail_page(
    request: HttpRequest, video: Video, *, remix_form: RemixForm | None = None, edit_form=None, extend_form=None,
    status: int = 200,
) -> HttpResponse:
    from characters import selectors as cast
    from reviews.review_selectors import video_review_context
    from reviews.share_selectors import share_context
    from storyboards.selectors import takes_of_video

    root, ancestors = selectors.lineage(video)
    cast.annotate_lineage(root)
    now = timezone.now()
    node = selectors.find_node(root, video.id)
    capabilities = video.provider.capabilities
    # Edits replace remix where the provider is known to have them; remix stays where it is the only way, or may be
    # (edits untested: both are offered). The Team API keeps the contract's remix route either way.
    offer_remix = capabilities.knows("edits") is not True or (remix_form is not None and remix_form.is_bound)
    retry_of = None
    retry_into = ""  # the form a failed child's prompt starts ("Edit and retry"): remix, edit or extend
    if remix_form is None and edit_form is None and extend_form is None:
        retry_of = _retry_source(request, video)
        if retry_of is not None:
            retry_into = "extend" if retry_of.operation == Video.Operation.EXTEND else "remix" if offer_remix else "edit"
    if remix_form is None:
        remix_form = RemixForm(initial={"prompt": retry_of.prompt} if retry_into == "remix" else None)
    if edit_form is None:
        edit_form = EditForm(initial={"prompt": retry_of.prompt} if retry_into == "edit" else None)
    if extend_form is None:
        initial = None
        if retry_into == "extend":
            initial = {"prompt": retry_of.prompt, "seconds": retry_of.seconds - video.seconds}
        extend_form = ExtendForm(parent_seconds=video.seconds, initial=initial)
    parent = video.remixed_from
    twins = []
    if node is not None and node.parent is not None and node.variations:
        twins = [n for n in node.parent.children if n.variations and n.video.prompt == video.prompt]
    ctx = {
        "page": "detail",
        "video": video,
        "project": video.project,
        "can_edit": can(video.membership, Role.EDITOR),
        "remix_form": remix_form,
        "retry_of": retry_of,
        "retry_into": retry_into,
        "remixable": video.is_remixable(now),
        "offer_remix": offer_remix,
        "provider_remixes": capabilities.supports("remix"),
        "provider_edits": capabilities.supports("edits"),
        "provider_extends": capabilities.supports("extensions"),
        "edit_form": edit_form,
        "extend_form": extend_form,
        "extensions_left": services.MAX_EXTENSIONS - services.extensions_before(video),
        "child_cost": services.child_cost(video),
        "extend_step": services.EXTENSION_SECONDS[0],
        "extend_step_cost": services.child_cost(video, services.EXTENSION_SECONDS[0]),
        "remix_deadline": video.remix_deadline(),
        "remix_window_hours": settings.REMIX_WINDOW_HOURS,
        "lineage_root": root,
        "node": node,
        "twins": twins,
        "ancestor_ids": {a.id for a in ancestors},
        "parent": parent,
        "parent_remixable": bool(parent and not parent.is_deleted and parent.is_remixable(now)),
        "file_missing": _file_missing(video),
        "parent_file_missing": bool(parent and not parent.is_deleted and _file_missing(parent)),
        "cast": node.cast if node is not None else cast.cast_of(video),
        "takes": takes_of_video(video),
        **organise.detail_context(request.user, video),
    }
    ctx.update(video_review_context(request, video))  # reviews/: comments, markers, review state (2 queries)
    ctx.update(share_context(video.membership, video=video))  # reviews/: its guest links (editors: 1 query)
    return render(request, "videos/detail.html", ctx, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, public_id) -> HttpResponse:
    return _detail_page(request, video_for(request.user, public_id))


@login_required
@require_POST
def remix(request: HttpRequest, public_id) -> HttpResponse:
    """One or several variations of a video. A refused remix (quota, empty prompt, closed window) shows the video
    page again with the typed prompt and the reason, so nothing typed is lost."""
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
            add_service_errors(form, exc)
        else:
            if looks_like_several_changes(prompt):
                messages.warning(request, "Tip: remix works best with one change at a time. If the result drifts, split the changes into successive remixes.")
            messages.success(request, _remix_started(children))
            return redirect("videos:detail", public_id=children[0].public_id)
    return _detail_page(request, parent, remix_form=form, status=400)


@login_required
@require_POST
def edit(request: HttpRequest, public_id) -> HttpResponse:
    """An edit of a completed video (where its provider has edits). Refused: the page again with the prompt."""
    parent = video_for(request.user, public_id, Role.EDITOR)
    form = EditForm(request.POST)
    if form.is_valid():
        try:
            child = services.video_edit(actor=Actor.member(request), parent=parent, prompt=form.cleaned_data["prompt"],
                                        submit_token=form.cleaned_data.get("submit_token"))  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Edit started: the change is being made.")
            return redirect("videos:detail", public_id=child.public_id)
    return _detail_page(request, parent, edit_form=form, status=400)


@login_required
@require_POST
def extend(request: HttpRequest, public_id) -> HttpResponse:
    """An extension of a completed video by a few seconds (where its provider has extensions)."""
    parent = video_for(request.user, public_id, Role.EDITOR)
    form = ExtendForm(request.POST, parent_seconds=parent.seconds)
    if form.is_valid():
        try:
            child = services.video_extend(
                actor=Actor.member(request), parent=parent, prompt=form.cleaned_data["prompt"],
                seconds=form.cleaned_data["seconds"], submit_token=form.cleaned_data.get("submit_token"),
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Extension started: {child.seconds} s in all when it is done.")
            return redirect("videos:detail", public_id=child.public_id)
    return _detail_page(request, parent, extend_form=form, status=400)


def _remix_started(children: list[Video]) -> str:
    """The notice after a remix submit; with several variations it links the others (this page shows the first)."""
    if len(children) == 1:
        return "Remix started (1 variation)."
    others = format_html_join(
        ", ",
        '<a href="{}">variation {}</a>',
        ((reverse("videos:detail", args=[c.public_id]), n) for n, c in enumerate(children[1:], start=2)),
    )
    return format_html(
        "Remix started ({} variations). This page follows variation 1; open {} too. The lineage below shows them all.",
        len(children),
        others,
    )


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
    if request.GET.get("download") == "1" and request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        # A download (not the player's playback and seeking), once per download: its first range only.
        audit.record(actor=Actor.member(request), action="video.download", target=video,
                     detail={"variant": variant, "bytes": asset.bytes})  # fmt: skip
    return serve(
        request,
        asset,
        filename=f"sora-{video.public_id}-{variant}.{asset.extension}",
        as_attachment=request.GET.get("download") == "1",
    )


@login_required
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """Live progress for the page's script: status, progress and freshly rendered fragments of the asked videos.

    `known=<id>:<status>:<progress>,...` says what the page shows already: a video still in that state gets its
    status only (`"unchanged": true`), no fragment, so a poll renders just the cards and bars that moved."""
    ids = [i for i in request.GET.get("ids", "").split(",") if i][:100]
    known = {}
    for item in request.GET.get("known", "").split(",")[:100]:
        parts = item.split(":")
        if len(parts) == 3:
            known[parts[0]] = (parts[1], parts[2])
    try:
        videos = list(selectors.videos_for_status(request.user, ids))
    except ValidationError:
        return JsonResponse({"error": "ids must be video ids"}, status=400)
    # Only the fragments the asking page shows: gallery cards (cards=1) or the video page's player area (media=1).
    fragments = {"bar": "videos/progress_bar.html"}
    if request.GET.get("media") == "1":
        fragments["media"] = "videos/detail_media.html"
        fragments["actions"] = "videos/detail_actions.html"
    show_project = request.GET.get("show_project") == "1"
    out = {}
    changed = []
    for video in videos:
        state = {
            "status": video.status,
            "status_label": video.get_status_display(),
            "progress": video.progress,
            "finished": not video.is_unfinished,
        }
        if known.get(str(video.public_id)) == (video.status, str(video.progress)):
            state["unchanged"] = True
        else:
            changed.append(video)
        out[str(video.public_id)] = state
    editable = {
        m.project_id for m in Membership.objects.filter(user=request.user, project__in={v.project_id for v in changed})
        if m.has_role(Role.EDITOR)
    } if "actions" in fragments and changed else set()  # fmt: skip
    now = timezone.now()
    for video in changed:
        parent = video.remixed_from
        context = {
            "video": video, "show_project": show_project, "can_edit": video.project_id in editable,
            "parent_remixable": bool(parent and not parent.is_deleted and parent.is_remixable(now)),
        }  # fmt: skip
        out[str(video.public_id)].update(
            {name: render_to_string(template, context, request=request) for name, template in fragments.items()}
        )
    if request.GET.get("cards") == "1" and changed:
        for video, card in zip(changed, cards.render_cards(changed, show_project=show_project, request=request)):
            out[str(video.public_id)]["card"] = card
    return JsonResponse({"videos": out})
