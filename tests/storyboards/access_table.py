"""The storyboard views' access rules, as rows of the studio's one table (tests/test_access.py) and checked again in
tests/storyboards/test_views.py: anonymous -> login, outsider -> 404, viewer -> 403 for writes, wrong method -> 405."""

from __future__ import annotations

from django.urls import reverse

from tests.access import ViewSpec


def _url(name, key, *extra):
    return lambda w: reverse(name, args=[str(w[key].public_id), *extra])


STORYBOARD_VIEWS = [
    ViewSpec("storyboards:list", lambda w: reverse("storyboards:list", args=[str(w["project"].public_id)])),
    ViewSpec("storyboards:create", lambda w: reverse("storyboards:create", args=[str(w["project"].public_id)]), "post",
             "editor", {"title": "Another", "size": "1280x720"}),
    ViewSpec("storyboards:detail", _url("storyboards:detail", "storyboard")),
    ViewSpec("storyboards:delete", _url("storyboards:delete", "storyboard"), "post", "editor"),
    ViewSpec("storyboards:status", lambda w: reverse("storyboards:status", args=[str(w["storyboard"].public_id)])
             + f"?takes={w['take'].public_id}"),
    ViewSpec("storyboards:shot-add", _url("storyboards:shot-add", "storyboard"), "post", "editor",
             {"prompt": "A new shot", "model": "simulator:sora-2", "seconds": 4}),
    ViewSpec("storyboards:reorder", _url("storyboards:reorder", "storyboard"), "post", "editor",
             {"order": "x"}),
    ViewSpec("storyboards:cut-create", _url("storyboards:cut-create", "storyboard"), "post", "editor"),
    ViewSpec("storyboards:shot-update", _url("storyboards:shot-update", "shot"), "post", "editor",
             {"prompt": "Changed", "model": "simulator:sora-2", "seconds": 4}),
    ViewSpec("storyboards:shot-delete", _url("storyboards:shot-delete", "shot"), "post", "editor"),
    ViewSpec("storyboards:shot-move", _url("storyboards:shot-move", "shot"), "post", "editor", {"direction": "down"}),
    ViewSpec("storyboards:shot-generate", _url("storyboards:shot-generate", "shot"), "post", "editor"),
    ViewSpec("storyboards:take-choose", _url("storyboards:take-choose", "take"), "post", "editor"),
    ViewSpec("storyboards:take-edit", _url("storyboards:take-edit", "take"), "post", "editor", {"prompt": "x"}),
    ViewSpec("storyboards:take-extend", _url("storyboards:take-extend", "take"), "post", "editor",
             {"prompt": "x", "seconds": 4}),
    ViewSpec("storyboards:take-remix", _url("storyboards:take-remix", "take"), "post", "editor", {"prompt": "x"}),
    ViewSpec("storyboards:take-adopt", _url("storyboards:take-adopt", "shot"), "post", "editor",
             {"video": "00000000-0000-0000-0000-000000000000"}),
    ViewSpec("storyboards:cut", _url("storyboards:cut", "cut")),
    ViewSpec("storyboards:cut-status", _url("storyboards:cut-status", "cut")),
    ViewSpec("storyboards:cut-file", _url("storyboards:cut-file", "cut", "video")),
    ViewSpec("storyboards:cut-shots", _url("storyboards:cut-shots", "cut")),
    ViewSpec("storyboards:cut-shot-list", _url("storyboards:cut-shot-list", "cut")),
]  # fmt: skip


def storyboard_world(project, owner, make_video) -> dict:
    """A storyboard of `project` with one shot, a completed take (chosen) and a completed cut (with an MP4 asset)."""
    import io

    from accounts.actors import Actor
    from assets.services import asset_store_unattached
    from storyboards import services
    from storyboards.models import FinalCut, Take

    board = services.storyboard_create(actor=Actor.of_user(owner), project=project, title="Board", size="1280x720")
    shot = services.shot_add(actor=Actor.of_user(owner), storyboard=board, prompt="A shot", model="simulator:sora-2",
                             seconds=4)  # fmt: skip
    video = make_video(project, owner, upstream_id="video_take", video=b"\x00\x00\x00\x18ftypisom mp4 bytes")
    take = Take.objects.create(shot=shot, number=1, video=video, is_chosen=True)
    asset = asset_store_unattached(kind="video", content=io.BytesIO(b"cut bytes"), origin="studio", stem="cut-w")
    cut = FinalCut.objects.create(storyboard=board, number=1, status="completed", video=asset, width=1280, height=720)
    return {"storyboard": board, "shot": shot, "take": take, "cut": cut}


def storyboard_state():
    from storyboards.models import FinalCut, Shot, Storyboard, Take

    return (
        sorted(Storyboard.objects.values_list("id", "title")),
        sorted(Shot.objects.values_list("id", "position", "prompt")),
        sorted(Take.objects.values_list("id", "is_chosen", "video_id")),
        sorted(FinalCut.objects.values_list("id", "status")),
    )
