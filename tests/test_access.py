"""Every view of the studio, checked by one helper (tests/access.py): anonymous -> login, outsider -> 404, a role
too weak -> 403, the wrong method -> 405, and nothing changed by a refusal. The table must name every URL."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Membership
from tests.access import ViewSpec, check_access
from tests.conftest import make_user
from tests.reviews.notify.access_table import NOTIFY_VIEWS, notify_state, notify_world
from tests.reviews.organise.access_table import ORGANISE_VIEWS, organise_state
from tests.reviews.review.access_table import REVIEW_VIEWS, review_state, review_world
from tests.reviews.share.access_table import SHARE_PUBLIC, SHARE_VIEWS, share_state, share_world
from tests.storyboards.access_table import STORYBOARD_VIEWS, storyboard_state, storyboard_world

Role = Membership.Role


def _project(w):
    return str(w["project"].public_id)


def _video(w):
    return str(w["video"].public_id)


def _token(w):
    """alice's API token (made once per world)."""
    if "token" not in w:
        from tests.api.conftest import make_token

        w["token"] = make_token(w["owner"], w["project"])[0]
    return str(w["token"].public_id)


VIEWS = [
    ViewSpec("videos:gallery", lambda w: reverse("videos:gallery"), role=None),
    ViewSpec("videos:status", lambda w: reverse("videos:status") + f"?ids={_video(w)}", role=None),
    ViewSpec("videos:project-gallery", lambda w: reverse("videos:project-gallery", args=[_project(w)])),
    ViewSpec("videos:create", lambda w: reverse("videos:create", args=[_project(w)]), role="editor",
             refused_method="put"),
    ViewSpec("videos:detail", lambda w: reverse("videos:detail", args=[_video(w)])),
    ViewSpec("videos:asset", lambda w: reverse("videos:asset", args=[_video(w), "video"])),
    ViewSpec("videos:remix", lambda w: reverse("videos:remix", args=[_video(w)]), "post", "editor",
             {"prompt": "Same shot, at night", "variations": 1}),
    ViewSpec("videos:delete", lambda w: reverse("videos:delete", args=[_video(w)]), "post", "editor"),
    ViewSpec("videos:retry", lambda w: reverse("videos:retry", args=[_video(w)]), "post", "editor"),
    ViewSpec("videos:cancel", lambda w: reverse("videos:cancel", args=[_video(w)]), "post", "editor"),
    ViewSpec("videos:edit", lambda w: reverse("videos:edit", args=[_video(w)]), "post", "editor", {"prompt": "x"}),
    ViewSpec("videos:extend", lambda w: reverse("videos:extend", args=[_video(w)]), "post", "editor",
             {"prompt": "x", "seconds": 4}),
    ViewSpec("characters:cast", lambda w: reverse("characters:cast", args=[_project(w)])),
    ViewSpec("characters:create", lambda w: reverse("characters:create", args=[_project(w)]), "post", "editor",
             {"name": "Mika"}),
    ViewSpec("characters:from-video", lambda w: reverse("characters:from-video", args=[_video(w)]), "post", "editor",
             {"name": "Mika"}),
    ViewSpec("characters:delete", lambda w: reverse("characters:delete", args=[w["character"].public_id]), "post",
             "editor"),
    ViewSpec("characters:file", lambda w: reverse("characters:file", args=[w["character"].public_id, "thumbnail"])),
    ViewSpec("accounts:projects", lambda w: reverse("accounts:projects"), role=None),
    ViewSpec("accounts:project-create", lambda w: reverse("accounts:project-create"), "post", None, {"name": ""}),
    ViewSpec("accounts:project", lambda w: reverse("accounts:project", args=[_project(w)])),
    ViewSpec("accounts:member-add", lambda w: reverse("accounts:member-add", args=[_project(w)]), "post", "owner",
             {"identifier": "nobody-by-that-name", "role": "viewer"}),
    ViewSpec("accounts:member-role",
             lambda w: reverse("accounts:member-role", args=[_project(w), w["editor"].public_id]), "post", "owner",
             {"role": "viewer"}),
    ViewSpec("accounts:member-remove",
             lambda w: reverse("accounts:member-remove", args=[_project(w), w["editor"].public_id]), "post", "owner"),
    ViewSpec("accounts:project-leave", lambda w: reverse("accounts:project-leave", args=[_project(w)]), "post",
             "viewer"),
    # The API token pages: a member's own tokens (another's token is a 404: tests/api/test_token_pages.py).
    ViewSpec("api:tokens", lambda w: reverse("api:tokens"), role=None),
    ViewSpec("api:guide", lambda w: reverse("api:guide"), role=None),
    ViewSpec("api:token-create", lambda w: reverse("api:token-create"), "post", None, {"name": ""}),
    ViewSpec("api:token-revoke", lambda w: reverse("api:token-revoke", args=[_token(w)]), "post", None),
    ViewSpec("audit:project-history", lambda w: reverse("audit:project-history", args=[_project(w)]), role="owner"),
    ViewSpec("transfer:project-export", lambda w: reverse("transfer:project-export", args=[_project(w)]),
             role="owner"),
]  # fmt: skip
VIEWS += STORYBOARD_VIEWS
VIEWS += ORGANISE_VIEWS
VIEWS += REVIEW_VIEWS
VIEWS += SHARE_VIEWS
VIEWS += NOTIFY_VIEWS
# Views open to everyone, or with their own credentials (signed webhooks, the simulator's bearer keys, the admin's
# own login), and Django's auth views: not project-scoped, tested in their own files.
NOT_PROJECT_SCOPED = {
    "accounts:signup", "login", "logout", "password_change", "password_change_done", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete", "healthz", "videos:webhook", "videos:provider-webhook",
    # The Team API: bearer tokens only, never a session (tests/api/test_auth.py); its description is public.
    "api:videos", "api:edits", "api:extensions", "api:video", "api:content", "api:remix", "api:openapi", "api:not-found",
    "api:characters", "api:character",  # tests/api/test_characters_endpoints.py
    *SHARE_PUBLIC,  # guest links: public pages, their token is the credential (tests/reviews/share/)
}  # fmt: skip


@pytest.fixture
def world(alice, bob, viewer, charlie, project, make_video):
    """alice owns the project, bob edits, vera views, charlie is outside; a failed video of alice's in it."""
    w = {
        "owner": alice, "editor": bob, "viewer": viewer, "outsider": charlie, "project": project,
        "video": make_video(project, alice, status="failed", video=b"mp4 bytes"),
        "character": _character(project, alice),
        **storyboard_world(project, alice, make_video),
    }  # fmt: skip
    w = share_world(w | review_world(w["video"], alice))
    return w | notify_world(project, alice, w["video"])


def _character(project, maker):
    """A character row of the project (its files are stand-ins: no view here reads them for an allowed user)."""
    from assets.models import Asset
    from characters.models import Character

    clip = Asset.objects.create(kind="video", file="characters/access.mp4", content_type="video/mp4", origin="upload")
    picture = Asset.objects.create(kind="thumbnail", file="characters/access.webp", content_type="image/webp",
                                   origin="studio")  # fmt: skip
    return Character.objects.create(project=project, name="Mika", created_by=maker, clip=clip, thumbnail=picture,
                                    width=720, height=1280, seconds=3)  # fmt: skip


def _state():
    from accounts.models import Project
    from characters.models import Character
    from videos.models import Video

    return (
        sorted(Character.objects.values_list("id", "name")),
        sorted(Video.objects.values_list("id", "status", "deleted_at")),
        sorted(Membership.objects.values_list("user_id", "project_id", "role")),
        Project.objects.count(),
        storyboard_state(),
        organise_state(),
        review_state(),
        share_state(),
        notify_state(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("spec", VIEWS, ids=[v.name for v in VIEWS])
def test_every_view_keeps_its_access_rules(spec, world):
    check_access(spec, world, snapshot=_state)


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "simulator", "simulator-profile"):
                continue  # the admin and the simulator have their own credentials and tests
            names |= _names(entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_the_table_names_every_view_of_the_studio():
    missing = _names(get_resolver()) - {v.name for v in VIEWS} - NOT_PROJECT_SCOPED
    assert missing == set(), f"add these views to VIEWS in tests/test_access.py: {sorted(missing)}"


@pytest.mark.django_db
def test_the_helper_fails_when_a_view_is_more_open_than_its_row_says(world):
    """The helper itself can fail: remix lets editors in, so a row claiming it needs an owner is caught."""
    spec = next(v for v in VIEWS if v.name == "videos:remix")
    too_strict = ViewSpec(spec.name, spec.url, spec.method, "owner", spec.data)
    with pytest.raises(AssertionError, match="editor is below owner"):
        check_access(too_strict, world, snapshot=_state)


__all__ = ["make_user"]
