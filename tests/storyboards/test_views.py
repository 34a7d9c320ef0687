"""Storyboard pages: each view works for a member with the role it needs, requires login, answers 404 to outsiders,
403 to viewers for writes, and 405 to the wrong method (tests/access.py), and a refusal changes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from storyboards.models import FinalCut, Shot, Storyboard, Take
from tests.access import check_access
from tests.storyboards.access_table import STORYBOARD_VIEWS, storyboard_state, storyboard_world
from tests.storyboards.conftest import add_shot, add_take
from videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice, bob, viewer, charlie, project, make_video):
    return {"owner": alice, "editor": bob, "viewer": viewer, "outsider": charlie, "project": project,
            **storyboard_world(project, alice, make_video)}  # fmt: skip


@pytest.mark.parametrize("spec", STORYBOARD_VIEWS, ids=[v.name for v in STORYBOARD_VIEWS])
def test_it_requires_login_checks_membership_and_role_and_rejects_the_wrong_method(spec, world):
    check_access(spec, world, snapshot=storyboard_state)


@pytest.fixture
def as_bob(client, bob):
    client.force_login(bob)
    return client


# ---------------------------------------------------------------------------------------------------------------
# It works
# ---------------------------------------------------------------------------------------------------------------
def test_the_project_page_and_gallery_link_to_storyboards(as_bob, project):
    url = reverse("storyboards:list", args=[project.public_id])
    assert url in as_bob.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    assert url in as_bob.get(reverse("videos:project-gallery", args=[project.public_id])).content.decode()


def test_list_shows_the_boards_and_the_create_form(as_bob, world):
    page = as_bob.get(reverse("storyboards:list", args=[world["project"].public_id])).content.decode()
    assert "Board" in page and "New storyboard" in page and 'value="1280x720"' in page


def test_create_makes_a_board_and_a_refusal_shows_the_form_again(as_bob, project, bob):
    url = reverse("storyboards:create", args=[project.public_id])
    r = as_bob.post(url, {"title": "Chase", "size": "720x1280"})
    board = Storyboard.objects.get(title="Chase")
    assert r.status_code == 302 and r["Location"] == reverse("storyboards:detail", args=[board.public_id])
    assert (board.size, board.created_by) == ("720x1280", bob)
    r = as_bob.post(url, {"title": "", "size": "720x1280"})
    assert r.status_code == 400 and "Give the storyboard a title." in r.content.decode()
    assert Storyboard.objects.count() == 1


def test_detail_shows_shots_takes_and_cuts(as_bob, world):
    page = as_bob.get(reverse("storyboards:detail", args=[world["storyboard"].public_id])).content.decode()
    assert "A shot" in page and "Take 1" in page and "Chosen" in page and "Cut 1" in page
    assert reverse("videos:asset", args=[world["take"].video.public_id, "video"]) in page
    assert reverse("storyboards:cut-create", args=[world["storyboard"].public_id]) in page


def test_a_viewer_sees_the_board_without_its_buttons(client, viewer, world):
    client.force_login(viewer)
    page = client.get(reverse("storyboards:detail", args=[world["storyboard"].public_id])).content.decode()
    assert (
        "A shot" in page and "Add a shot" not in page and "Make the final cut" not in page and "data-choose" not in page
    )


def test_delete_removes_the_board(as_bob, world):
    r = as_bob.post(reverse("storyboards:delete", args=[world["storyboard"].public_id]))
    assert r.status_code == 302 and not Storyboard.objects.exists() and Video.objects.count() == 1


def test_status_answers_each_take_with_its_card(as_bob, world, make_video):
    waiting = add_take(world["shot"], make_video(world["project"], world["owner"], status="in_progress", progress=40))
    url = reverse("storyboards:status", args=[world["storyboard"].public_id])
    data = as_bob.get(url + f"?takes={waiting.public_id},{world['take'].public_id}").json()["takes"]
    assert data[str(waiting.public_id)]["status"] == "in_progress" and data[str(waiting.public_id)]["progress"] == 40
    assert not data[str(waiting.public_id)]["finished"] and 'aria-valuenow="40"' in data[str(waiting.public_id)]["html"]
    assert data[str(world["take"].public_id)]["finished"]
    assert as_bob.get(url + "?takes=not-a-uuid").status_code == 400


def test_shot_add_appends_and_a_refusal_keeps_what_was_typed(as_bob, world):
    url = reverse("storyboards:shot-add", args=[world["storyboard"].public_id])
    r = as_bob.post(url, {"prompt": "Close-up of the kite string", "model": "simulator:sora-2", "seconds": 8})
    shot = Shot.objects.get(prompt="Close-up of the kite string")
    assert r.status_code == 302 and r["Location"].endswith(f"#shot-{shot.public_id}") and shot.position == 2
    r = as_bob.post(url, {"prompt": "Kept text", "model": "simulator:sora-2-pro", "seconds": 5})
    assert r.status_code == 400 and "Kept text" in r.content.decode() and Shot.objects.count() == 2


def test_shot_update_changes_the_next_takes_prompt(as_bob, world):
    shot = world["shot"]
    r = as_bob.post(reverse("storyboards:shot-update", args=[shot.public_id]),
                    {"prompt": "A wider shot", "model": "simulator:sora-2-pro", "seconds": 8})  # fmt: skip
    shot.refresh_from_db()
    assert r.status_code == 302 and (shot.prompt, shot.model, shot.seconds) == (
        "A wider shot",
        "simulator:sora-2-pro",
        8,
    )
    r = as_bob.post(reverse("storyboards:shot-update", args=[shot.public_id]),
                    {"prompt": "", "model": "simulator:sora-2", "seconds": 4})  # fmt: skip
    assert r.status_code == 400 and "the prompt is empty" in r.content.decode()


def test_shot_delete_and_move(as_bob, world):
    second = add_shot(world["storyboard"], "Second")
    r = as_bob.post(reverse("storyboards:shot-move", args=[second.public_id]), {"direction": "up"})
    second.refresh_from_db()
    assert r.status_code == 302 and second.position == 1
    r = as_bob.post(reverse("storyboards:shot-delete", args=[world["shot"].public_id]))
    second.refresh_from_db()
    assert r.status_code == 302 and second.position == 1 and Shot.objects.count() == 1


def test_reorder_answers_json_to_the_script_and_refuses_a_partial_order(as_bob, world):
    board, first = world["storyboard"], world["shot"]
    second, third = add_shot(board, "two"), add_shot(board, "three")
    url = reverse("storyboards:reorder", args=[board.public_id])
    order = f"{third.public_id},{first.public_id},{second.public_id}"
    r = as_bob.post(url, {"order": order}, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["order"] == order.split(",")
    assert list(board.shots.order_by("position").values_list("prompt", flat=True)) == ["three", "A shot", "two"]
    r = as_bob.post(url, {"order": f"{first.public_id}"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "every shot" in r.json()["error"]
    r = as_bob.post(url, {"order": f"{first.public_id},{second.public_id},{third.public_id}"})
    assert r.status_code == 302
    assert list(board.shots.order_by("position").values_list("prompt", flat=True)) == ["A shot", "two", "three"]


def test_generate_submits_a_take(as_bob, world):
    r = as_bob.post(reverse("storyboards:shot-generate", args=[world["shot"].public_id]))
    take = world["shot"].takes.get(number=2)
    assert r.status_code == 302 and take.video.prompt == "A shot" and take.video.size == "1280x720"


def test_choose_edit_and_extend_a_take(as_bob, world, make_video):
    shot = world["shot"]
    other = add_take(shot, make_video(world["project"], world["owner"], upstream_id="video_other"))
    assert as_bob.post(reverse("storyboards:take-choose", args=[other.public_id])).status_code == 302
    assert list(shot.takes.filter(is_chosen=True)) == [other]
    r = as_bob.post(reverse("storyboards:take-edit", args=[other.public_id]), {"prompt": "Bluer sky"})
    edit = shot.takes.get(parent=other, video__operation="edit")
    assert r.status_code == 302 and edit.video.remixed_from_id == other.video_id
    r = as_bob.post(
        reverse("storyboards:take-extend", args=[other.public_id]), {"prompt": "Then it lands", "seconds": 8}
    )
    extension = shot.takes.get(parent=other, video__operation="extend")
    assert r.status_code == 302 and extension.video.seconds == 12
    r = as_bob.post(reverse("storyboards:take-extend", args=[other.public_id]), {"prompt": "", "seconds": 8})
    assert r.status_code == 400 and "the prompt is empty" in r.content.decode()


def test_cut_create_refuses_with_the_reason_and_makes_nothing(as_bob, world):
    Take.objects.update(is_chosen=False)
    r = as_bob.post(reverse("storyboards:cut-create", args=[world["storyboard"].public_id]), follow=True)
    assert "The cut was not made: Shot 1 has no chosen take" in r.content.decode()
    assert FinalCut.objects.count() == 1


def test_cut_page_status_file_and_shot_lists(as_bob, world):
    cut = world["cut"]
    FinalCut.objects.filter(id=cut.id).update(
        entries=[{"shot": 1, "prompt": "A shot", "take": 1, "video_id": "v", "start": 0.0, "end": 4.0}],
        duration_seconds=4.0,
    )
    page = as_bob.get(reverse("storyboards:cut", args=[cut.public_id])).content.decode()
    assert "Final cut 1" in page and "data-player" in page and "Download MP4" in page
    status = as_bob.get(reverse("storyboards:cut-status", args=[cut.public_id])).json()
    assert status["finished"] and status["status"] == "completed" and "data-player" in status["media"]
    r = as_bob.get(reverse("storyboards:cut-file", args=[cut.public_id, "video"]), HTTP_RANGE="bytes=0-2")
    assert r.status_code == 206 and b"".join(r.streaming_content) == b"cut" and r["Content-Range"] == "bytes 0-2/9"
    assert as_bob.get(reverse("storyboards:cut-file", args=[cut.public_id, "thumbnail"])).status_code == 404
    assert as_bob.get(reverse("storyboards:cut-file", args=[cut.public_id, "secrets"])).status_code == 404
    shots = json.loads(as_bob.get(reverse("storyboards:cut-shots", args=[cut.public_id])).content)
    assert shots["shots"] == [{"shot": 1, "prompt": "A shot", "take": 1, "video_id": "v", "start": 0.0, "end": 4.0,
                               "start_timecode": "00:00:00.000", "end_timecode": "00:00:04.000"}]  # fmt: skip
    printable = as_bob.get(reverse("storyboards:cut-shot-list", args=[cut.public_id])).content.decode()
    assert "00:00:04.000" in printable and "A shot" in printable and "window.print()" in printable


def test_a_failed_cut_says_why(as_bob, world):
    FinalCut.objects.filter(id=world["cut"].id).update(status="failed", video=None, error_message="Shot 2 is gone.")
    page = as_bob.get(reverse("storyboards:cut", args=[world["cut"].public_id])).content.decode()
    assert "This cut failed" in page and "Shot 2 is gone." in page and "Download MP4" not in page


def test_remix_and_adopt_from_the_board(as_bob, world, bob):
    from accounts.actors import Actor
    from videos import services as videos

    take = world["take"]
    r = as_bob.post(reverse("storyboards:take-remix", args=[take.public_id]), {"prompt": "At night"})
    assert r.status_code == 302 and world["shot"].takes.filter(video__operation="remix", parent=take).exists()
    child = videos.video_edit(actor=Actor.of_user(bob), parent=take.video, prompt="From the video page")
    page = as_bob.get(reverse("storyboards:detail", args=[world["storyboard"].public_id])).content.decode()
    assert "data-adoptable" in page and "From the video page" in page
    r = as_bob.post(reverse("storyboards:take-adopt", args=[world["shot"].public_id]), {"video": str(child.public_id)})
    assert r.status_code == 302 and world["shot"].takes.filter(video=child, parent=take).exists()
    r = as_bob.post(reverse("storyboards:take-adopt", args=[world["shot"].public_id]), {"video": "nope"}, follow=True)
    assert "No such video in this project." in r.content.decode()


def test_a_cut_whose_worker_stopped_is_shown_as_stalled(as_bob, world):
    from datetime import timedelta

    from django.utils import timezone

    cut = world["cut"]
    FinalCut.objects.filter(id=cut.id).update(
        status="running", video=None, held_until=timezone.now() + timedelta(minutes=5)
    )
    status = as_bob.get(reverse("storyboards:cut-status", args=[cut.public_id])).json()
    assert (status["status"], status["finished"]) == ("running", False) and 'role="progressbar"' in status["media"]
    FinalCut.objects.filter(id=cut.id).update(held_until=timezone.now() - timedelta(seconds=1))
    status = as_bob.get(reverse("storyboards:cut-status", args=[cut.public_id])).json()
    assert (status["status"], status["finished"]) == ("stalled", True) and "has stalled" in status["media"]
    assert "has stalled" in as_bob.get(reverse("storyboards:cut", args=[cut.public_id])).content.decode()
