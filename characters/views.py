"""The project cast's pages: the cast (list, and a new character from a clip), a character from a video, delete,
and the character's files. Views fetch objects only through the access modules and call one service each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Role, can, project_for
from accounts.actors import Actor
from assets.serving import serve
from characters import selectors, services
from characters.access import character_for
from characters.forms import CharacterNameForm, CharacterUploadForm
from config.formerrors import add_service_errors
from config.inputs import upload_cap
from videos.access import video_for

FILES = {"clip": ("clip", "mp4"), "thumbnail": ("thumbnail", "webp")}


CAST_PAGE_SIZE = 24


def _cast_page(request: HttpRequest, project, *, form: CharacterUploadForm | None = None, status: int = 200):
    membership = project.membership
    # A page of the cast at a time (a long-running project's cast grows without bound); bad page numbers go to the
    # nearest page.
    page_obj = Paginator(selectors.cast_of_project(project), CAST_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": "cast",
        "project": project,
        "characters": page_obj.object_list,
        "cast_count": page_obj.paginator.count,
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1),
        "can_edit": can(membership, Role.EDITOR),
        "is_owner": membership.role == Role.OWNER,
        "form": form or CharacterUploadForm(max_bytes=services.clip_max_bytes()),
    }
    return render(request, "characters/cast.html", ctx, status=status)


@login_required
@require_GET
def cast(request: HttpRequest, public_id) -> HttpResponse:
    """The project's characters, with thumbnails; editors may add one from a clip here."""
    return _cast_page(request, project_for(request.user, public_id))


@login_required
@upload_cap(services.clip_max_bytes)
@require_POST
def create(request: HttpRequest, public_id) -> HttpResponse:
    """A new character from an uploaded clip. Refused: the cast page again, with the name and the reason."""
    project = project_for(request.user, public_id, Role.EDITOR)
    form = CharacterUploadForm(request.POST, request.FILES, max_bytes=services.clip_max_bytes())
    if form.is_valid():
        try:
            character = services.character_create_from_upload(
                actor=Actor.member(request), project=project, name=form.cleaned_data["name"],
                clip=form.cleaned_data["clip"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{character.name} joined the cast. Pick them on a new video.")
            return redirect("characters:cast", public_id=project.public_id)
    return _cast_page(request, project, form=form, status=400)


@login_required
@require_POST
def from_video(request: HttpRequest, public_id) -> HttpResponse:
    """ "Make a character from this video": its first seconds become a character of the video's project."""
    video = video_for(request.user, public_id, Role.EDITOR)
    form = CharacterNameForm(request.POST)
    if form.is_valid():
        try:
            character = services.character_create_from_video(
                actor=Actor.member(request), video=video, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{character.name} joined the cast, from this video's first seconds.")
            return redirect("characters:cast", public_id=video.project.public_id)
    reasons = [*form.errors.get("name", []), *form.non_field_errors(), *form.errors.get("clip", [])]
    messages.error(request, "No character was made: " + " ".join(str(r) for r in reasons))
    return redirect("videos:detail", public_id=video.public_id)


@login_required
@require_POST
def delete(request: HttpRequest, public_id) -> HttpResponse:
    character = character_for(request.user, public_id, Role.EDITOR)
    try:
        services.character_delete(actor=Actor.member(request), character=character)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{character.name} left the cast.")
    return redirect("characters:cast", public_id=character.project.public_id)


@login_required
@require_GET
def file(request: HttpRequest, public_id, variant: str) -> HttpResponse:
    """The character's clip or thumbnail, for members of its project only."""
    if variant not in FILES:
        raise Http404("No such file.")
    character = character_for(request.user, public_id)
    attribute, extension = FILES[variant]
    asset = getattr(character, attribute)
    if asset is None:
        raise Http404("This character has no such file.")
    return serve(request, asset, filename=f"character-{character.public_id}-{variant}.{extension}")
