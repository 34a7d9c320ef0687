"""Storyboard pages: one action per view; objects only through storyboards/access.py; writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Role, can, project_for
from accounts.actors import Actor
from assets.serving import serve
from config.formerrors import add_service_errors
from reviews.review_selectors import cut_review_context
from reviews.share_selectors import share_context
from storyboards import selectors, services
from storyboards.access import cut_for, shot_for, storyboard_for, take_for
from storyboards.forms import (
    CutForm,
    GenerateForm,
    MoveForm,
    ReorderForm,
    ShotCastForm,
    ShotForm,
    StoryboardForm,
    TakeEditForm,
    TakeExtendForm,
    TakeRemixForm,
)
from storyboards.models import FinalCut, Storyboard

CUT_FILES = ("video", "thumbnail", "spritesheet")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# ---------------------------------------------------------------------------------------------------------------
# Storyboards
# ---------------------------------------------------------------------------------------------------------------
def _list_page(request: HttpRequest, project, form: StoryboardForm | None = None, status: int = 200) -> HttpResponse:
    ctx = {
        "page": "storyboards",
        "project": project,
        "storyboards": selectors.storyboards_of(project),
        "can_edit": can(project.membership, Role.EDITOR),
        "form": form or StoryboardForm(),
    }
    return render(request, "storyboards/list.html", ctx, status=status)


@login_required
@require_GET
def storyboard_list(request: HttpRequest, public_id) -> HttpResponse:
    return _list_page(request, project_for(request.user, public_id))


@login_required
@require_POST
def storyboard_create(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.EDITOR)
    form = StoryboardForm(request.POST)
    if form.is_valid():
        try:
            board = services.storyboard_create(actor=Actor.member(request), project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Storyboard created. Add its shots in order.")
            return redirect("storyboards:detail", public_id=board.public_id)
    return _list_page(request, project, form, status=400)


def _detail_page(
    request: HttpRequest, board: Storyboard, *, shot_form=None, forms_for=None, status=200
) -> HttpResponse:
    """The board: its shots in order with their takes, the add-shot form, the cut button and the cut versions.
    `forms_for` = (take or shot public id, form name, bound form): a refused form shown again with its errors."""
    shots = selectors.shots_with_takes(board)
    adoptable = selectors.adoptable_children(shots)
    can_edit = can(board.project.membership, Role.EDITOR)
    shot_form = shot_form or ShotForm(size=board.size, project=board.project)
    cast = list(shot_form.fields["characters"].by_key.values()) if "characters" in shot_form.fields else []
    for shot in shots:
        shot.adoptable = adoptable.get(shot.id, [])
        if can_edit and cast:  # the shot's own picker in its Change form
            shot.cast_form = ShotCastForm(
                initial={"characters": [str(c.public_id) for c in shot.characters.all()]}, cast=cast,
                auto_id=f"shot-{shot.public_id}-%s",
            )  # fmt: skip
    plan = selectors.cut_plan(board)
    ctx = {
        "page": "storyboard",
        "project": board.project,
        "board": board,
        "shots": shots,
        "can_edit": can_edit,
        "shot_form": shot_form,
        "cast_models": shot_form.cast_models,
        "generate_form": GenerateForm(),
        "cut_form": CutForm(),
        "cut_problems": plan.problems,
        "cuts": list(selectors.cuts_of(board)),
        "refused": forms_for,
    }
    return render(request, "storyboards/detail.html", ctx, status=status)


@login_required
@require_GET
def storyboard_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _detail_page(request, storyboard_for(request.user, public_id))


@login_required
@require_POST
def storyboard_delete(request: HttpRequest, public_id) -> HttpResponse:
    board = storyboard_for(request.user, public_id, Role.EDITOR)
    try:
        services.storyboard_delete(actor=Actor.member(request), storyboard=board)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("storyboards:detail", public_id=board.public_id)
    messages.success(request, f"“{board.title}” was deleted; its takes stay in the project's videos.")
    return redirect("storyboards:list", public_id=board.project.public_id)


@login_required
@require_GET
def storyboard_status(request: HttpRequest, public_id) -> JsonResponse:
    """Live takes for the page's script: each asked take's status and its freshly rendered card."""
    board = storyboard_for(request.user, public_id)
    ids = [i for i in request.GET.get("takes", "").split(",") if i][:200]
    try:
        takes = selectors.takes_by_id(board, ids)
    except ValidationError:
        return JsonResponse({"error": "takes must be take ids"}, status=400)
    can_edit = can(board.project.membership, Role.EDITOR)
    out = {}
    for take in takes:
        video = take.video
        out[str(take.public_id)] = {
            "status": video.status if video else "deleted",
            "progress": video.progress if video else 0,
            "finished": take.is_gone or not video.is_unfinished,
            "html": render_to_string(
                "storyboards/take.html", {"take": take, "shot": take.shot, "can_edit": can_edit}, request=request
            ),
        }
    return JsonResponse({"takes": out})


# ---------------------------------------------------------------------------------------------------------------
# Shots
# ---------------------------------------------------------------------------------------------------------------
def _to_shot(shot) -> HttpResponse:
    return redirect(reverse("storyboards:detail", args=[shot.storyboard.public_id]) + f"#shot-{shot.public_id}")


@login_required
@require_POST
def shot_add(request: HttpRequest, public_id) -> HttpResponse:
    board = storyboard_for(request.user, public_id, Role.EDITOR)
    form = ShotForm(request.POST, size=board.size, project=board.project)
    if form.is_valid():
        try:
            shot = services.shot_add(actor=Actor.member(request), storyboard=board, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Shot {shot.position} added.")
            return _to_shot(shot)
    return _detail_page(request, board, shot_form=form, status=400)


@login_required
@require_POST
def shot_update(request: HttpRequest, public_id) -> HttpResponse:
    shot = shot_for(request.user, public_id, Role.EDITOR)
    form = ShotForm(request.POST, size=shot.storyboard.size, project=shot.storyboard.project)
    if form.is_valid():
        try:
            services.shot_update(actor=Actor.member(request), shot=shot, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Shot {shot.position} changed; its next takes use the new prompt.")
            return _to_shot(shot)
    return _detail_page(request, shot.storyboard, forms_for=(str(shot.public_id), "update", form), status=400)


@login_required
@require_POST
def shot_delete(request: HttpRequest, public_id) -> HttpResponse:
    shot = shot_for(request.user, public_id, Role.EDITOR)
    services.shot_delete(actor=Actor.member(request), shot=shot)
    messages.success(request, f"Shot {shot.position} was deleted; its takes stay in the project's videos.")
    return redirect("storyboards:detail", public_id=shot.storyboard.public_id)


@login_required
@require_POST
def shot_move(request: HttpRequest, public_id) -> HttpResponse:
    """One place up or down: the way to reorder without a script (and with the keyboard)."""
    shot = shot_for(request.user, public_id, Role.EDITOR)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move a shot up or down.")
        return _to_shot(shot)
    shot = services.shot_move(actor=Actor.member(request), shot=shot, direction=form.cleaned_data["direction"])
    messages.success(request, f"Moved: it is now shot {shot.position}.")
    return _to_shot(shot)


@login_required
@require_POST
def shots_reorder(request: HttpRequest, public_id) -> HttpResponse:
    """The whole order at once (drag and drop); JSON for the page's script, a redirect otherwise."""
    board = storyboard_for(request.user, public_id, Role.EDITOR)
    form = ReorderForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Send the shots' ids in their new order.")
        shots = services.shots_reorder(actor=Actor.member(request), storyboard=board, order=form.ids())
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
        return redirect("storyboards:detail", public_id=board.public_id)
    if _wants_json(request):
        return JsonResponse({"order": [str(s.public_id) for s in shots]})
    messages.success(request, "The shots are in their new order.")
    return redirect("storyboards:detail", public_id=board.public_id)


@login_required
@require_POST
def shot_generate(request: HttpRequest, public_id) -> HttpResponse:
    """A new take: the shot's prompt submitted as a video (quotas and the queue as for any video)."""
    shot = shot_for(request.user, public_id, Role.EDITOR)
    form = GenerateForm(request.POST)
    token = form.cleaned_data.get("submit_token") if form.is_valid() else None
    try:
        take = services.shot_generate(actor=Actor.member(request), shot=shot, submit_token=token)
    except ValidationError as exc:
        messages.error(request, f"Shot {shot.position}: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Take {take.number} of shot {shot.position} is on its way.")
    return _to_shot(shot)


# ---------------------------------------------------------------------------------------------------------------
# Takes
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def take_choose(request: HttpRequest, public_id) -> HttpResponse:
    take = take_for(request.user, public_id, Role.EDITOR)
    try:
        services.take_choose(actor=Actor.member(request), take=take)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Take {take.number} is shot {take.shot.position}'s chosen take.")
    return _to_shot(take.shot)


def _take_child(request: HttpRequest, public_id, form_class, service, name: str, done: str) -> HttpResponse:
    take = take_for(request.user, public_id, Role.EDITOR)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            child = service(actor=Actor.member(request), take=take, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Take {child.number} of shot {take.shot.position}: {done}")
            return _to_shot(take.shot)
    board = storyboard_for(request.user, take.shot.storyboard.public_id)
    return _detail_page(request, board, forms_for=(str(take.public_id), name, form), status=400)


@login_required
@require_POST
def take_edit(request: HttpRequest, public_id) -> HttpResponse:
    """An edit of the take's video (the video page's own edit), kept as a new take of the same shot."""
    return _take_child(request, public_id, TakeEditForm, services.take_edit, "edit", "the edit has started.")


@login_required
@require_POST
def take_extend(request: HttpRequest, public_id) -> HttpResponse:
    """An extension of the take's video (the video page's own extend), kept as a new take of the same shot."""
    return _take_child(request, public_id, TakeExtendForm, services.take_extend, "extend", "the extension has started.")


@login_required
@require_POST
def take_remix(request: HttpRequest, public_id) -> HttpResponse:
    """A remix of the take's video (where its provider has no edits), kept as a new take of the same shot."""
    return _take_child(request, public_id, TakeRemixForm, services.take_remix, "remix", "the remix has started.")


@login_required
@require_POST
def take_adopt(request: HttpRequest, public_id) -> HttpResponse:
    """A child of one of the shot's takes, made on its video page, added to the shot as a take."""
    from videos.models import Video

    shot = shot_for(request.user, public_id, Role.EDITOR)
    try:
        video = Video.objects.filter(public_id=request.POST.get("video", ""), project=shot.storyboard.project).first()
    except ValidationError:
        video = None
    if video is None:
        messages.error(request, "No such video in this project.")
        return _to_shot(shot)
    try:
        take = services.take_adopt(actor=Actor.member(request), shot=shot, video=video)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"It is now take {take.number} of shot {shot.position}.")
    return _to_shot(shot)


# ---------------------------------------------------------------------------------------------------------------
# Final cuts
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def cut_create(request: HttpRequest, public_id) -> HttpResponse:
    board = storyboard_for(request.user, public_id, Role.EDITOR)
    form = CutForm(request.POST)
    # A value the form does not offer goes to the service as it came, which says what is allowed.
    crossfade = form.cleaned_data["crossfade_ms"] if form.is_valid() else request.POST.get("crossfade_ms")
    try:
        cut = services.cut_request(actor=Actor.member(request), storyboard=board, crossfade_ms=crossfade)
    except ValidationError as exc:
        messages.error(request, "The cut was not made: " + " ".join(exc.messages))
        return redirect("storyboards:detail", public_id=board.public_id)
    messages.success(request, f"Cut {cut.number} is being stitched.")
    return redirect("storyboards:cut", public_id=cut.public_id)


@login_required
@require_GET
def cut_detail(request: HttpRequest, public_id) -> HttpResponse:
    cut = cut_for(request.user, public_id)
    board = cut.storyboard
    ctx = {
        "page": "cut",
        "project": board.project,
        "board": board,
        "cut": cut,
        "cuts": list(selectors.cuts_of(board)),
        "can_edit": can(board.project.membership, Role.EDITOR),
        "cut_form": CutForm(initial={"crossfade_ms": cut.crossfade_ms}),
        "file_missing": _cut_file_missing(cut),
        "stalled": cut.is_stalled(timezone.now()),
    }
    ctx.update(cut_review_context(request, cut))  # reviews/: the cut's comments and their markers (1 query)
    ctx.update(share_context(board.project.membership, cut=cut))  # reviews/: its guest links (editors: 1 query)
    return render(request, "storyboards/cut.html", ctx)


def _cut_file_missing(cut: FinalCut) -> bool:
    return cut.video_id is not None and not cut.video.file.storage.exists(cut.video.file.name)


@login_required
@require_GET
def cut_status(request: HttpRequest, public_id) -> JsonResponse:
    cut = cut_for(request.user, public_id)
    stalled = cut.is_stalled(timezone.now())
    return JsonResponse({
        "status": "stalled" if stalled else cut.status,
        "status_label": "Stalled" if stalled else cut.get_status_display(),
        "progress": cut.progress,
        "finished": not cut.is_unfinished or stalled,
        "error": cut.error_message,
        "media": render_to_string(
            "storyboards/cut_media.html", {"cut": cut, "file_missing": False, "stalled": stalled}, request=request
        ),
    })  # fmt: skip


@login_required
@require_GET
def cut_file(request: HttpRequest, public_id, variant: str) -> HttpResponse:
    """The cut's MP4, thumbnail or spritesheet, to members of its project only; byte ranges as for videos."""
    if variant not in CUT_FILES:
        raise Http404("No such file.")
    cut = cut_for(request.user, public_id)
    asset = getattr(cut, variant)
    if asset is None:
        raise Http404("This cut has no such file (yet).")
    name = f"{cut.storyboard.title[:40]}-cut-{cut.number}".replace("/", "-")
    return serve(request, asset, filename=f"{name}.{asset.extension}", as_attachment=request.GET.get("download") == "1")


def _timecode(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _shot_list(cut: FinalCut) -> list[dict]:
    return [
        {"shot": e["shot"], "prompt": e["prompt"], "take": e["take"], "video_id": e["video_id"],
         "start": e.get("start"), "end": e.get("end"),
         "start_timecode": _timecode(e["start"]) if "start" in e else None,
         "end_timecode": _timecode(e["end"]) if "end" in e else None}
        for e in cut.entries
    ]  # fmt: skip


@login_required
@require_GET
def cut_shots_json(request: HttpRequest, public_id) -> JsonResponse:
    cut = cut_for(request.user, public_id)
    return JsonResponse({
        "storyboard": cut.storyboard.title, "cut": cut.number, "status": cut.status,
        "duration": cut.duration_seconds, "width": cut.width, "height": cut.height, "fps": cut.fps,
        "crossfade_ms": cut.crossfade_ms, "shots": _shot_list(cut),
    })  # fmt: skip


@login_required
@require_GET
def cut_shot_list(request: HttpRequest, public_id) -> HttpResponse:
    cut = cut_for(request.user, public_id)
    ctx = {"page": "shot-list", "project": cut.storyboard.project, "board": cut.storyboard, "cut": cut,
           "shots": _shot_list(cut), "duration": _timecode(cut.duration_seconds or 0)}  # fmt: skip
    return render(request, "storyboards/shot_list.html", ctx)
