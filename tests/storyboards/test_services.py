"""Storyboard services: boards, shots (added, reordered in one go, moved, deleted), takes made through the normal
pipeline, the chosen take, and asking for a cut (refused with every problem named, nothing made)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.actors import Actor
from quotas.models import QuotaRule
from storyboards import services
from storyboards.models import FinalCut, Shot, Storyboard, Take
from tests.storyboards.conftest import add_shot, add_take
from videos.models import Video

pytestmark = pytest.mark.django_db


def _positions(board):
    return list(board.shots.order_by("position").values_list("prompt", "position"))


def test_a_storyboard_needs_a_title_and_a_size_the_models_make(project, alice, seeded_models):
    with pytest.raises(ValidationError, match="title"):
        services.storyboard_create(actor=Actor.of_user(alice), project=project, title=" ", size="1280x720")
    with pytest.raises(ValidationError, match="sizes the studio's models make"):
        services.storyboard_create(actor=Actor.of_user(alice), project=project, title="A", size="640x480")
    board = services.storyboard_create(actor=Actor.of_user(alice), project=project, title=" A ", size="1792x1024")
    assert (board.title, board.size, board.created_by) == ("A", "1792x1024", alice)


def test_only_editors_of_the_project_write(project, viewer, charlie, board):
    with pytest.raises(PermissionDenied):
        services.storyboard_create(actor=Actor.of_user(viewer), project=project, title="A", size="1280x720")
    with pytest.raises(Http404):
        services.shot_add(actor=Actor.of_user(charlie), storyboard=board, prompt="x", model="sora-2", seconds=4)
    assert Storyboard.objects.count() == 1 and Shot.objects.count() == 0


def test_shots_are_numbered_in_order_and_checked_against_the_board_size(board, alice):
    for prompt in ("one", "two", "three"):
        add_shot(board, prompt)
    assert _positions(board) == [("one", 1), ("two", 2), ("three", 3)]
    big = services.storyboard_create(actor=Actor.of_user(alice), project=board.project, title="B", size="1792x1024")
    with pytest.raises(ValidationError, match="does not make 1792x1024"):
        add_shot(big, model="simulator:sora-2")
    with pytest.raises(ValidationError, match="seconds"):
        add_shot(board, seconds=5)
    with pytest.raises(ValidationError, match="prompt is empty"):
        add_shot(board, prompt="  ")
    shot = add_shot(big, model="simulator:sora-2-pro", seconds=8)
    assert (shot.model, shot.seconds, shot.position) == ("simulator:sora-2-pro", 8, 1)


def test_reorder_rewrites_every_position_at_once(board, alice):
    shots = [add_shot(board, p) for p in ("one", "two", "three")]
    order = [str(shots[2].public_id), str(shots[0].public_id), str(shots[1].public_id)]
    services.shots_reorder(actor=Actor.of_user(alice), storyboard=board, order=order)
    assert _positions(board) == [("three", 1), ("one", 2), ("two", 3)]


def test_a_reorder_that_does_not_name_every_shot_once_changes_nothing(board, alice):
    shots = [add_shot(board, p) for p in ("one", "two", "three")]
    for order in ([shots[0].public_id, shots[1].public_id], [shots[0].public_id] * 3, ["nope", "x", "y"]):
        with pytest.raises(ValidationError, match="every shot"):
            services.shots_reorder(actor=Actor.of_user(alice), storyboard=board, order=[str(x) for x in order])
    assert _positions(board) == [("one", 1), ("two", 2), ("three", 3)]


def test_move_up_and_down_swaps_neighbours_and_stops_at_the_ends(board, alice):
    one, two, three = (add_shot(board, p) for p in ("one", "two", "three"))
    services.shot_move(actor=Actor.of_user(alice), shot=three, direction="up")
    assert _positions(board) == [("one", 1), ("three", 2), ("two", 3)]
    services.shot_move(actor=Actor.of_user(alice), shot=one, direction="up")
    services.shot_move(actor=Actor.of_user(alice), shot=two, direction="down")
    assert _positions(board) == [("one", 1), ("three", 2), ("two", 3)]
    services.shot_move(actor=Actor.of_user(alice), shot=one, direction="down")
    assert _positions(board) == [("three", 1), ("one", 2), ("two", 3)]
    with pytest.raises(ValidationError):
        services.shot_move(actor=Actor.of_user(alice), shot=one, direction="sideways")


def test_deleting_a_shot_closes_the_gap_and_keeps_its_videos(board, alice, make_video):
    one, two, three = (add_shot(board, p) for p in ("one", "two", "three"))
    video = make_video(board.project, alice)
    add_take(two, video)
    services.shot_delete(actor=Actor.of_user(alice), shot=two)
    assert _positions(board) == [("one", 1), ("three", 2)]
    assert Video.objects.filter(id=video.id).exists() and not Take.objects.exists()


def test_generating_a_shot_submits_a_video_at_the_board_size_and_records_a_take(
    board, bob, django_capture_on_commit_callbacks
):
    shot = add_shot(board, "A lighthouse at dusk", seconds=8)
    take = services.shot_generate(actor=Actor.of_user(bob), shot=shot)
    again = services.shot_generate(actor=Actor.of_user(bob), shot=shot)
    video = take.video
    assert (video.prompt, video.size, video.seconds, video.model, video.owner) == (
        "A lighthouse at dusk",
        "1280x720",
        8,
        "sora-2",
        bob,
    )
    assert video.status == Video.Status.PENDING and video.estimated_cost > 0
    assert (take.number, again.number, take.shot, take.is_chosen) == (1, 2, shot, False)


def test_a_repeated_generate_with_the_same_token_makes_one_take(board, bob):
    import uuid

    shot = add_shot(board)
    token = uuid.uuid4()
    first = services.shot_generate(actor=Actor.of_user(bob), shot=shot, submit_token=token)
    second = services.shot_generate(actor=Actor.of_user(bob), shot=shot, submit_token=token)
    assert first.id == second.id and Video.objects.count() == 1


def test_a_generate_over_quota_makes_no_video_and_no_take(board, bob):
    QuotaRule.objects.create(user=bob, max_videos=0)
    shot = add_shot(board)
    with pytest.raises(ValidationError):
        services.shot_generate(actor=Actor.of_user(bob), shot=shot)
    assert not Video.objects.exists() and not Take.objects.exists()


def test_choosing_a_take_unchooses_the_other_and_needs_a_finished_video(board, alice, make_video):
    shot = add_shot(board)
    first = add_take(shot, make_video(board.project, alice))
    second = add_take(shot, make_video(board.project, alice))
    waiting = add_take(shot, make_video(board.project, alice, status="queued"))
    services.take_choose(actor=Actor.of_user(alice), take=first)
    services.take_choose(actor=Actor.of_user(alice), take=second)
    assert list(shot.takes.filter(is_chosen=True)) == [second]
    with pytest.raises(ValidationError, match="not finished"):
        services.take_choose(actor=Actor.of_user(alice), take=waiting)
    assert list(shot.takes.filter(is_chosen=True)) == [second]


def test_edit_and_extend_of_a_take_are_new_takes_of_the_same_shot_in_the_lineage(board, alice, make_video):
    shot = add_shot(board)
    take = add_take(shot, make_video(board.project, alice, upstream_id="video_abc"))
    edited = services.take_edit(actor=Actor.of_user(alice), take=take, prompt="Make the kite blue")
    extended = services.take_extend(actor=Actor.of_user(alice), take=take, prompt="It flies away", seconds=4)
    assert (edited.number, edited.parent, edited.shot) == (2, take, shot)
    assert (extended.number, extended.parent) == (3, take)
    assert edited.video.remixed_from == take.video and edited.video.operation == "edit"
    assert extended.video.operation == "extend" and extended.video.seconds == 8


def test_a_deleted_takes_video_cannot_be_edited_or_chosen(board, alice, make_video):
    shot = add_shot(board)
    video = make_video(board.project, alice, upstream_id="video_abc")
    take = add_take(shot, video)
    video.delete()
    take.refresh_from_db()
    with pytest.raises(ValidationError, match="deleted"):
        services.take_edit(actor=Actor.of_user(alice), take=take, prompt="x")
    with pytest.raises(ValidationError, match="deleted"):
        services.take_choose(actor=Actor.of_user(alice), take=take)


# ---------------------------------------------------------------------------------------------------------------
# Asking for a cut: refusals change nothing
# ---------------------------------------------------------------------------------------------------------------
def _refused(board, alice, match):
    with pytest.raises(ValidationError, match=match) as info:
        services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    assert not FinalCut.objects.exists()
    return " ".join(info.value.messages)


def test_a_cut_of_a_board_without_shots_is_refused(board, alice):
    _refused(board, alice, "no shots")


def test_a_cut_with_no_chosen_takes_names_every_shot_without_one(board, alice, make_video, clips):
    one, _two = add_shot(board, "one"), add_shot(board, "two")
    add_take(one, make_video(board.project, alice, video=clips()))
    message = _refused(board, alice, "no chosen take")
    assert "Shot 1 has no chosen take" in message and "Shot 2 has no chosen take" in message


def test_a_cut_of_takes_of_mixed_sizes_is_refused(board, alice, make_video, clips):
    one, two = add_shot(board, "one"), add_shot(board, "two")
    add_take(one, make_video(board.project, alice, video=clips()), chosen=True)
    add_take(two, make_video(board.project, alice, size="720x1280", video=clips(720, 1280)), chosen=True)
    message = _refused(board, alice, "different sizes")
    assert "shot 1 is 1280x720, shot 2 is 720x1280" in message


def test_a_cut_whose_chosen_take_was_deleted_is_refused(board, alice, make_video, clips):
    from videos import services as videos

    one = add_shot(board)
    video = make_video(board.project, alice, video=clips())
    add_take(one, video, chosen=True)
    videos.video_delete(actor=Actor.of_user(alice), video=video)
    _refused(board, alice, r"Shot 1's chosen take \(take 1\) was deleted")


def test_a_cut_whose_source_file_is_missing_is_refused(board, alice, make_video, clips):
    one = add_shot(board)
    video = make_video(board.project, alice, video=clips())
    add_take(one, video, chosen=True)
    asset = video.assets.get(kind="video")
    asset.file.storage.delete(asset.file.name)
    _refused(board, alice, "missing from the studio's storage")


def test_a_crossfade_out_of_range_is_refused(board, alice, make_video, clips):
    add_take(add_shot(board), make_video(board.project, alice, video=clips()), chosen=True)
    with pytest.raises(ValidationError, match="0 to 1000 ms"):
        services.cut_request(actor=Actor.of_user(alice), storyboard=board, crossfade_ms=5000)
    assert not FinalCut.objects.exists()


def test_cuts_are_numbered_per_storyboard_and_fix_their_takes(board, alice, make_video, clips):
    shot = add_shot(board, "one")
    take = add_take(shot, make_video(board.project, alice, video=clips()), chosen=True)
    first = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    second = services.cut_request(actor=Actor.of_user(alice), storyboard=board, crossfade_ms=250)
    assert (first.number, second.number, second.crossfade_ms) == (1, 2, 250)
    assert first.entries == [{
        "shot": 1, "shot_id": str(shot.public_id), "prompt": take.video.prompt, "take": 1,
        "take_id": str(take.public_id), "video_id": str(take.video.public_id), "seconds": 4,
    }]  # fmt: skip
    assert first.status == FinalCut.Status.PENDING


def test_deleting_a_storyboard_keeps_the_videos_and_removes_the_cuts_files(
    board, alice, make_video, django_capture_on_commit_callbacks
):
    from assets.services import asset_store_unattached

    shot = add_shot(board)
    video = make_video(board.project, alice)
    add_take(shot, video, chosen=True)
    asset = asset_store_unattached(kind="video", content=io.BytesIO(b"cut"), origin="studio", stem="cut-x")
    FinalCut.objects.create(storyboard=board, number=1, status="completed", video=asset)
    storage, name = asset.file.storage, asset.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.storyboard_delete(actor=Actor.of_user(alice), storyboard=board)
    assert Video.objects.filter(id=video.id).exists()
    assert not Storyboard.objects.exists() and not FinalCut.objects.exists()
    assert not storage.exists(name)


def test_a_remix_of_a_take_is_a_new_take(board, alice, make_video):
    shot = add_shot(board)
    take = add_take(shot, make_video(board.project, alice, upstream_id="video_abc"))
    remix = services.take_remix(actor=Actor.of_user(alice), take=take, prompt="At night")
    assert (remix.number, remix.parent, remix.video.operation, remix.video.remixed_from) == (
        2,
        take,
        "remix",
        take.video,
    )


def test_a_child_made_on_the_video_page_can_be_added_as_a_take_of_its_parents_shot(board, alice, make_video):
    from storyboards import selectors
    from videos import services as videos

    shot, other_shot = add_shot(board, "one"), add_shot(board, "two")
    take = add_take(shot, make_video(board.project, alice, upstream_id="video_abc"))
    child = videos.video_edit(actor=Actor.of_user(alice), parent=take.video, prompt="Bluer")
    stranger = make_video(board.project, alice)
    shots = selectors.shots_with_takes(board)
    assert selectors.adoptable_children(shots) == {shot.id: [child]}

    with pytest.raises(ValidationError, match="one of this shot's takes"):
        services.take_adopt(actor=Actor.of_user(alice), shot=other_shot, video=child)
    with pytest.raises(ValidationError, match="one of this shot's takes"):
        services.take_adopt(actor=Actor.of_user(alice), shot=shot, video=stranger)
    adopted = services.take_adopt(actor=Actor.of_user(alice), shot=shot, video=child)
    again = services.take_adopt(actor=Actor.of_user(alice), shot=shot, video=child)
    assert (adopted.number, adopted.parent, again.id) == (2, take, adopted.id)
    assert selectors.adoptable_children(selectors.shots_with_takes(board)) == {}


def test_a_submit_token_of_another_projects_video_never_makes_it_a_take_here(board, bob, seeded_models):
    """A form's hidden token copied from another project (where bob also edits) must not hand that project's video
    to this board, whose viewers are not that project's."""
    import uuid

    from accounts.services import project_create
    from videos import services as videos

    elsewhere = project_create(actor=Actor.of_user(bob), name="Elsewhere")
    token = uuid.uuid4()
    theirs = videos.video_submit(actor=Actor.of_user(bob), project=elsewhere, prompt="A secret", model="sora-2",
                                 size=board.size, seconds=4, submit_token=token)  # fmt: skip
    shot = add_shot(board)

    with pytest.raises(ValidationError, match="already sent for another video"):
        services.shot_generate(actor=Actor.of_user(bob), shot=shot, submit_token=token)
    assert not Take.objects.exists()
    assert list(Video.objects.values_list("id", flat=True)) == [theirs.id]
    with pytest.raises(ValidationError, match="another project"):
        services._record_take(actor=Actor.of_user(bob), shot=shot, video=theirs)


def test_deleting_the_project_as_the_admin_does_removes_every_cuts_files(
    board, alice, make_video, django_capture_on_commit_callbacks
):
    """No service runs when a project (or a cut) is deleted in the admin: the cut's files must still go."""
    from assets.models import Asset
    from assets.services import asset_store_unattached

    stored = [asset_store_unattached(kind=kind, content=io.BytesIO(b"cut " + kind.encode()), origin="studio",
                                     stem=f"cut-{kind}") for kind in ("video", "thumbnail", "spritesheet")]  # fmt: skip
    FinalCut.objects.create(storyboard=board, number=1, status="completed", video=stored[0], thumbnail=stored[1],
                            spritesheet=stored[2])  # fmt: skip
    names = [(a.file.storage, a.file.name) for a in stored]
    assert all(storage.exists(name) for storage, name in names)

    with django_capture_on_commit_callbacks(execute=True):
        board.project.delete()

    assert not FinalCut.objects.exists() and not Asset.objects.filter(id__in=[a.id for a in stored]).exists()
    assert not any(storage.exists(name) for storage, name in names)
