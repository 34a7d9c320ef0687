"""The review part's services: comments (timecodes, mentions, length), deleting them, review states with their
history, audit entries and events, and the project's review policy."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.actors import Actor
from audit.models import Entry
from reviews import review_services as services
from reviews.models import Comment, ReviewChange, ReviewPolicy, VideoReview
from videos.models import Video


def _post(user, video, body="Looks good", timecode=None, **kw):
    return services.comment_post(actor=Actor.of_user(user), video=video, body=body, timecode=timecode, **kw)


def test_an_editor_comments_at_a_timecode_and_members_are_mentioned_on_commit(
    bob, viewer, charlie, alice, video, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = _post(bob, video, "@vera look at 0:02, and @alice. @charlie too; mail me at x@bob.org @bob", 2.0)
        assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    comment.refresh_from_db()
    assert comment.timecode == 2.0 and comment.author == bob and comment.video == video
    assert comment.mentions == ["alice", "bob", "vera"]  # charlie is no member: plain text
    mentioned = sorted(kw["user_id"] for name, sender, kw in sent if name == "member_mentioned")
    assert mentioned == sorted([viewer.id, alice.id])  # bob named himself: nobody to tell
    assert all(sender is Comment and kw["comment_id"] == comment.id for _, sender, kw in sent)


@pytest.mark.parametrize(
    "body, timecode, field, words",
    [
        ("   ", None, "body", "empty"),
        ("x" * 5001, None, "body", "at most 5,000 characters; this one has 5,001"),
        ("Too late", 4.5, "timecode", "0:04 is past the end of this video (0:04 long)"),
        ("Too early", -1.0, "timecode", "cannot be negative"),
    ],
)
def test_bad_comments_are_refused_with_a_clear_reason_and_nothing_is_kept(bob, video, body, timecode, field, words):
    with pytest.raises(ValidationError) as caught:
        _post(bob, video, body, timecode)
    assert words in " ".join(caught.value.message_dict[field])
    assert Comment.objects.count() == 0


def test_a_comment_of_5000_characters_at_the_very_end_is_kept(bob, video):
    assert len(_post(bob, video, "y" * 5000, 4.0).body) == 5000


def test_viewers_may_not_comment_and_outsiders_do_not_see_the_video(viewer, charlie, video):
    with pytest.raises(PermissionDenied):
        _post(viewer, video)
    with pytest.raises(Http404):
        _post(charlie, video)
    assert Comment.objects.count() == 0


def test_a_comment_on_a_cut_is_pinned_within_the_cut(bob, cut):
    comment = services.comment_post(actor=Actor.of_user(bob), cut=cut, body="Cut here", timecode=5.5)
    assert comment.cut == cut and comment.video is None
    with pytest.raises(ValidationError, match="past the end of this cut"):
        services.comment_post(actor=Actor.of_user(bob), cut=cut, body="Later", timecode=6.5)
    cut.duration_seconds = None
    with pytest.raises(ValidationError, match="no length yet"):
        services.comment_post(actor=Actor.of_user(bob), cut=cut, body="When?", timecode=1)


def test_its_author_or_an_owner_deletes_a_comment_and_no_one_else(alice, bob, project, video):
    from accounts.models import Membership
    from tests.conftest import make_user

    other = make_user("otto")
    Membership.objects.create(user=other, project=project, role=Membership.Role.EDITOR)
    first, second = _post(bob, video, "one"), _post(bob, video, "two")
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=Actor.of_user(other), comment=first)
    services.comment_delete(actor=Actor.of_user(bob), comment=first)
    services.comment_delete(actor=Actor.of_user(alice), comment=second)
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "text, seconds",
    [("", None), ("2", 2.0), ("2.5", 2.5), ("0:02", 2.0), ("1:05", 65.0), ("1:05.5", 65.5), ("1:00:01", 3601.0)],
)
def test_timecodes_are_read_as_seconds_or_m_ss(text, seconds):
    assert services.parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["-1", "-0:02", "abc", "1:75", "1::2", "nan", "1:2:3:4", "0x10"])
def test_a_timecode_that_is_not_one_is_refused(text):
    with pytest.raises(ValidationError):
        services.parse_timecode(text)


def test_format_timecode():
    assert [services.format_timecode(s) for s in (0, 2.9, 65, 3601)] == ["0:00", "0:02", "1:05", "1:00:01"]


def _review(user, video, state, note=""):
    return services.review_set(actor=Actor.of_user(user), video=video, state=state, note=note)


def test_editors_put_a_video_in_review_and_owners_approve_it_with_history_audit_and_events(
    alice, bob, video, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _review(bob, video, "in_review", "Please look")
        _review(alice, video, "approved", "Ship it")
    review = VideoReview.objects.get(video=video)
    assert (review.state, review.set_by) == ("approved", alice)
    history = list(ReviewChange.objects.filter(video=video).values_list("old", "new", "actor__username", "note"))
    assert history == [("in_review", "approved", "alice", "Ship it"), ("none", "in_review", "bob", "Please look")]
    changes = [(kw["video_id"], kw["old"], kw["new"], kw["actor"].user, kw["note"]) for n, s, kw in sent]
    assert changes == [
        (video.id, "none", "in_review", bob, "Please look"),
        (video.id, "in_review", "approved", alice, "Ship it"),
    ]
    assert all(name == "review_changed" and sender is Video for name, sender, _ in sent)
    entries = Entry.objects.filter(action="review.change", outcome="ok").order_by("id")
    assert [(e.actor_name, e.detail["from"], e.detail["to"]) for e in entries] == [
        ("bob", "none", "in_review"), ("alice", "in_review", "approved")
    ]  # fmt: skip
    assert all(e.project_id == video.project_id and e.target_id == str(video.public_id) for e in entries)


def test_an_editor_approves_only_when_the_project_allows_it(alice, bob, project, video):
    with pytest.raises(PermissionDenied, match="Only the project's owners approve"):
        _review(bob, video, "approved")
    assert not VideoReview.objects.exists()
    assert Entry.objects.filter(action="review.change", outcome="refused").count() == 1
    with pytest.raises(PermissionDenied):
        services.review_policy_set(actor=Actor.of_user(bob), project=project, editors_may_approve=True)
    services.review_policy_set(actor=Actor.of_user(alice), project=project, editors_may_approve=True)
    assert ReviewPolicy.objects.get(project=project).editors_may_approve
    _review(bob, video, "approved")
    assert VideoReview.objects.get(video=video).state == "approved"
    with pytest.raises(PermissionDenied, match="back to"):
        _review(bob, video, "none")  # clearing a review is for owners
    _review(alice, video, "none")


def test_refused_review_changes(alice, viewer, charlie, project, make_video, video):
    with pytest.raises(PermissionDenied):
        _review(viewer, video, "in_review")
    with pytest.raises(Http404):
        _review(charlie, video, "in_review")
    with pytest.raises(ValidationError, match="not a review state"):
        _review(alice, video, "shipped")
    with pytest.raises(ValidationError, match="at most 500"):
        _review(alice, video, "approved", "n" * 501)
    with pytest.raises(ValidationError, match="completed"):
        _review(alice, make_video(project, alice, status="in_progress", progress=30), "approved")
    _review(alice, video, "approved")
    with pytest.raises(ValidationError, match="already"):
        _review(alice, video, "approved")
    assert ReviewChange.objects.count() == 1


def test_comment_text_is_escaped_and_only_members_mentions_are_highlighted(bob, viewer, video):
    from reviews.templatetags.review_ui import comment_html

    comment = _post(bob, video, '<script>alert("x")</script> @vera & @charlie\n<b>bold</b>')
    html = str(comment_html(comment))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "@charlie" in html and 'data-mention="charlie"' not in html
    assert '<span class="mention" data-mention="vera">@vera</span>' in html
    assert comment.mentions == ["vera"]


def test_a_failing_listener_holds_nothing_up(bob, viewer, video, django_capture_on_commit_callbacks, caplog):
    from reviews import events

    def broken(sender, **kwargs):
        raise RuntimeError("the mail server is down")

    events.member_mentioned.connect(broken, weak=False, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            comment = _post(bob, video, "@vera see this")
    finally:
        events.member_mentioned.disconnect(dispatch_uid="test-broken")
    assert Comment.objects.filter(id=comment.id).exists()
    assert "the mail server is down" in caplog.text
