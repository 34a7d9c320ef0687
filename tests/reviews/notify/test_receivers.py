"""Notifications follow the studio's events: a real video finishing (or failing) through the pipeline tells its
owner and reaches the project's webhook; a final cut's outcome tells who asked for it; a mention tells the member
named; a review change tells the video's owner."""

from __future__ import annotations

import json

import pytest

from accounts.actors import Actor
from reviews.events import member_mentioned, review_changed
from reviews.models import Notification, WebhookDelivery
from tests.conftest import run_pipeline, wait_for
from tests.reviews.notify.conftest import make_endpoint
from videos import services
from videos.models import Video


@pytest.mark.django_db(transaction=True)
def test_a_video_finishing_through_the_pipeline_tells_its_owner_and_the_projects_webhook(queue, alice, project,
                                                                                       receiver):  # fmt: skip
    make_endpoint(project, alice, receiver.url)
    video = run_pipeline(services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A red kite",
                                               model="sora-2", size="1280x720", seconds=4))  # fmt: skip

    assert video.status == Video.Status.COMPLETED
    note = Notification.objects.get(user=alice)
    assert (note.kind, note.target_type, note.target_id, note.read_at) == ("video.completed", "video", video.public_id,
                                                                           None)  # fmt: skip
    assert "A red kite" in note.text and "ready" in note.text
    wait_for(lambda: receiver.requests, timeout=10, what="the webhook delivery")
    event = json.loads(receiver.requests[0]["body"])
    assert event["type"] == "video.completed" and event["data"]["id"] == str(video.public_id)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_a_video_failing_tells_its_owner_why(queue, alice, project):
    video = run_pipeline(services.video_submit(actor=Actor.of_user(alice), project=project, model="sora-2",
                                               prompt="A kite with blocked-content", size="1280x720", seconds=4))  # fmt: skip

    assert video.status == Video.Status.FAILED
    note = Notification.objects.get(user=alice)
    assert note.kind == "video.failed" and "failed" in note.text and note.target_id == video.public_id


def test_only_completed_and_failed_make_a_notification(alice, project, make_video):
    from videos.lifecycle import job_transition

    video = make_video(project, alice, status=Video.Status.IN_PROGRESS)
    for new in (Video.Status.QUEUED, Video.Status.ARCHIVING, Video.Status.CANCELLED):
        job_transition.send(sender=Video, video_id=video.id, public_id=video.public_id, old="x", new=new, actor=None)
    assert not Notification.objects.exists()


def test_a_final_cut_failing_tells_who_asked_for_it(alice, bob, project, make_video,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    from storyboards import services as boards
    from storyboards.models import FinalCut
    from tests.storyboards.access_table import storyboard_world

    world = storyboard_world(project, alice, make_video)
    cut = FinalCut.objects.create(storyboard=world["storyboard"], number=99, status=FinalCut.Status.RUNNING,
                                  created_by=bob, entries=[])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        boards._fail(cut, "Shot 1 (take 1): its video was deleted.")

    note = Notification.objects.get(user=bob)
    assert (note.kind, note.target_type, note.target_id) == ("cut.failed", "cut", cut.public_id)
    assert "Cut 99" in note.text and "was deleted" in note.text
    with django_capture_on_commit_callbacks(execute=True):
        boards._fail(cut, "again")  # already failed: no second event
    assert Notification.objects.filter(user=bob).count() == 1


def test_a_final_cut_made_for_real_tells_who_asked_for_it(board, alice, make_video, clips,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    from storyboards import services as boards
    from storyboards.tasks import make_cut
    from tests.storyboards.conftest import add_shot, add_take

    add_take(add_shot(board), make_video(board.project, alice, video=clips(), size="1280x720"), chosen=True)
    with django_capture_on_commit_callbacks(execute=False):
        cut = boards.cut_request(actor=Actor.of_user(alice), storyboard=board)
    with django_capture_on_commit_callbacks(execute=True):
        make_cut(cut.id)

    cut.refresh_from_db()
    note = Notification.objects.get(user=alice)
    assert cut.status == "completed" and (note.kind, note.target_id) == ("cut.completed", cut.public_id)
    assert note.text == "Cut 1 of “The kite” is ready."


def test_a_mention_tells_the_member_named(alice, bob, project, make_video):
    video = make_video(project, alice)
    member_mentioned.send(sender=object, comment_id=1, user_id=bob.id, video_id=video.id, author_id=alice.id,
                          excerpt="@bob <b>look</b> at 0:02")  # fmt: skip

    note = Notification.objects.get(user=bob)
    assert note.kind == "mention" and note.text == "alice mentioned you on “Wide shot of a red kite over a park at " \
        "golden hour”: @bob <b>look</b> at 0:02"  # fmt: skip


def test_a_mention_of_an_outsider_or_of_oneself_tells_nobody(alice, charlie, project, make_video):
    video = make_video(project, alice)
    member_mentioned.send(sender=object, comment_id=1, user_id=charlie.id, video_id=video.id, author_id=alice.id)
    member_mentioned.send(sender=object, comment_id=1, user_id=alice.id, video_id=video.id, author_id=alice.id)
    assert not Notification.objects.exists()


def test_a_real_comment_mentioning_a_member_tells_them(alice, bob, project, make_video,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    """The review part's comment_post sends member_mentioned with the comment's video, author and text."""
    from reviews.review_services import comment_post

    video = make_video(project, alice, prompt="A heron in the reeds")
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(actor=Actor.of_user(alice), video=video, body="@bob the <i>light</i> at 0:02?", timecode=2)

    note = Notification.objects.get(user=bob)
    assert (note.kind, note.target_type, note.target_id) == ("mention", "video", video.public_id)
    assert note.text == "alice mentioned you on “A heron in the reeds”: @bob the <i>light</i> at 0:02?"


def test_a_mention_on_a_final_cut_links_to_the_cut(alice, bob, project, make_video,
                                                   django_capture_on_commit_callbacks):  # fmt: skip
    from reviews.review_services import comment_post
    from tests.storyboards.access_table import storyboard_world

    cut = storyboard_world(project, alice, make_video)["cut"]
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(actor=Actor.of_user(alice), cut=cut, body="@bob the cut is in")

    note = Notification.objects.get(user=bob)
    assert (note.target_type, note.target_id) == ("cut", cut.public_id) and " on cut " in note.text


def test_a_mention_of_a_missing_comment_tells_nobody(bob):
    member_mentioned.send(sender=object, comment_id=123456, user_id=bob.id)
    assert not Notification.objects.exists()


def test_a_real_review_change_tells_the_owner(alice, bob, project, make_video, django_capture_on_commit_callbacks):
    from reviews.review_services import review_set

    video = make_video(project, alice)
    with django_capture_on_commit_callbacks(execute=True):
        review_set(actor=Actor.of_user(bob), video=video, state="in_review", note="Have a look")

    note = Notification.objects.get(user=alice)
    assert note.kind == "review.changed" and note.text.startswith("bob set the review") and "Have a look" in note.text


def test_a_review_change_tells_the_owner_and_the_webhook(alice, bob, project, make_video, receiver,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    make_endpoint(project, alice, receiver.url, events=["review.changed"])
    video = make_video(project, alice)
    with django_capture_on_commit_callbacks(execute=True):
        review_changed.send(sender=Video, video_id=video.id, old="in_review", new="approved",
                            actor=Actor.of_user(bob), note="Lovely")  # fmt: skip

    note = Notification.objects.get(user=alice)
    assert note.kind == "review.changed" and note.text.startswith("bob set the review") and "approved" in note.text
    event = json.loads(receiver.requests[0]["body"])
    assert event["type"] == "review.changed"
    assert event["data"]["review"] == {"old": "in_review", "new": "approved", "note": "Lovely", "actor": "bob"}


def test_the_owner_changing_their_own_review_is_not_told(alice, project, make_video):
    video = make_video(project, alice)
    review_changed.send(sender=Video, video_id=video.id, old="", new="in_review", actor=Actor.of_user(alice), note="")
    assert not Notification.objects.exists()


def test_someone_removed_from_the_project_is_told_nothing_more_of_it(alice, bob, project, make_video, receiver,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    """bob's video stays in alice's project after she removes him: its review notes and outcomes are no longer his
    to read (the project's webhook still hears of them)."""
    from accounts.models import Membership
    from accounts.services import member_remove
    from reviews import notify_services
    from storyboards.models import FinalCut, Storyboard

    make_endpoint(project, alice, receiver.url, events=["review.changed", "video.completed"])
    video = make_video(project, bob, prompt="Secret launch teaser")
    board = Storyboard.objects.create(project=project, title="Teaser", size="1280x720", created_by=bob)
    cut = FinalCut.objects.create(storyboard=board, number=1, created_by=bob, status=FinalCut.Status.FAILED)
    member_remove(actor=Actor.of_user(alice), membership=Membership.objects.get(user=bob, project=project))

    with django_capture_on_commit_callbacks(execute=True):
        review_changed.send(sender=Video, video_id=video.id, old="", new="changes_requested",
                            actor=Actor.of_user(alice), note="the CEO hates the logo")  # fmt: skip
        notify_services.video_outcome_notify(video_id=video.id, new=Video.Status.COMPLETED)
        notify_services.cut_outcome_notify(cut_id=cut.id, new=FinalCut.Status.FAILED, error="gone")

    assert not Notification.objects.filter(user=bob).exists()
    assert sorted(json.loads(r["body"])["type"] for r in receiver.requests) == ["review.changed", "video.completed"]
