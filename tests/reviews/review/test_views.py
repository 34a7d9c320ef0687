"""The review part's pages: comments on the video page and the cut page (markers, seeking links, escaping,
refusals shown in the form), deleting them, review states, the gallery's badge and filter, the lineage's badge and
the project's review policy. Access rules of every view: tests/test_access.py (rows in access_table.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Comment, ReviewChange, VideoReview


def _detail(client, video):
    return client.get(reverse("videos:detail", args=[video.public_id]))


def _comment(client, video, **data):
    return client.post(reverse("reviews:video-comment", args=[video.public_id]), data)


def test_an_editor_comments_at_a_timecode_and_the_page_shows_it_with_its_marker(client, bob, viewer, video):
    client.force_login(bob)
    r = _comment(client, video, body="Kite dips here, @vera", timecode="0:02")
    comment = Comment.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"#comment-{comment.public_id}")
    page = _detail(client, video).content.decode()
    assert f'data-marker-for="{comment.public_id}"' in page and "left: 50.0%" in page  # 2 s of 4 s
    assert 'data-seek="2.0"' in page and ">0:02</button>" in page
    assert '<span class="mention" data-mention="vera">@vera</span>' in page
    assert 'id="comment-form"' in page


def test_markup_in_a_comment_is_shown_as_text(client, bob, video):
    client.force_login(bob)
    _comment(client, video, body='<script>alert("hi")</script><img src=x onerror=alert(1)>')
    page = _detail(client, video).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "data, words",
    [
        ({"body": ""}, "it is empty"),
        ({"body": "x" * 5001}, "at most 5,000 characters"),
        ({"body": "Late", "timecode": "0:09"}, "0:09 is past the end of this video (0:04 long)"),
        ({"body": "Early", "timecode": "-0:01"}, "cannot be negative"),
        ({"body": "Odd", "timecode": "two"}, "Write a timecode as m:ss"),
    ],
)
def test_a_refused_comment_says_why_in_the_form_and_keeps_nothing(client, bob, video, data, words):
    client.force_login(bob)
    r = _comment(client, video, **data)
    assert r.status_code == 302 and r["Location"].endswith("#comment-form")
    assert Comment.objects.count() == 0
    page = _detail(client, video).content.decode()
    form = page[page.index('id="comment-form"') :]
    assert 'role="alert"' in form and words in form  # shown in the form (and the draft script keeps the text)
    again = _detail(client, video).content.decode()
    assert words not in again[again.index('id="comment-form"') :]  # once


def test_a_mention_of_a_non_member_is_plain_text_and_the_form_says_so(client, bob, charlie, video):
    client.force_login(bob)
    _comment(client, video, body="Ask @charlie")
    page = _detail(client, video).content.decode()
    assert "Ask @charlie" in page and 'data-mention="charlie"' not in page
    assert "an @name that is not a member" in page


def test_viewers_read_comments_without_a_form(client, alice, viewer, video):
    Comment.objects.create(video=video, author=alice, body="Owner's word", timecode=1)
    client.force_login(viewer)
    page = _detail(client, video).content.decode()
    assert "Owner&#x27;s word" in page and 'id="comment-form"' not in page
    assert "Viewers read comments" in page and "Delete<span" not in page
    assert client.post(reverse("reviews:video-comment", args=[video.public_id]), {"body": "hi"}).status_code == 403


def test_the_author_deletes_a_comment_another_editor_may_not(client, alice, bob, project, video):
    from accounts.models import Membership
    from tests.conftest import make_user

    comment = Comment.objects.create(video=video, author=bob, body="Mine")
    other = make_user("otto")
    Membership.objects.create(user=other, project=project, role=Membership.Role.EDITOR)
    client.force_login(other)
    url = reverse("reviews:comment-delete", args=[comment.public_id])
    assert client.post(url).status_code == 403 and Comment.objects.exists()
    client.force_login(bob)
    r = client.post(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("videos:detail", args=[video.public_id]))
    assert not Comment.objects.exists()


def test_a_comment_on_the_final_cut(client, bob, cut):
    client.force_login(bob)
    r = client.post(
        reverse("reviews:cut-comment", args=[cut.public_id]), {"body": "Crossfade too long", "timecode": "0:03"}
    )
    assert r.status_code == 302 and r["Location"].startswith(reverse("storyboards:cut", args=[cut.public_id]))
    page = client.get(reverse("storyboards:cut", args=[cut.public_id])).content.decode()
    assert "Crossfade too long" in page and "left: 50.0%" in page and ">0:03</button>" in page
    r = client.post(reverse("reviews:cut-comment", args=[cut.public_id]), {"body": "Later", "timecode": "0:07"})
    assert Comment.objects.count() == 1
    assert "past the end of this cut" in client.get(reverse("storyboards:cut", args=[cut.public_id])).content.decode()


def _review(client, video, state, note=""):
    return client.post(reverse("reviews:video-review", args=[video.public_id]), {"state": state, "note": note})


def test_editors_mark_in_review_and_owners_approve_shown_in_the_gallery_the_filter_and_the_lineage(
    client, alice, bob, project, video, make_video
):
    child = make_video(project, alice, prompt="A blue kite at dusk", remixed_from=video, video=b"mp4")
    client.force_login(bob)
    page = _detail(client, video).content.decode()
    assert 'value="in_review"' in page and 'value="approved"' not in page  # editors do not approve here
    assert "Owners approve in this project" in page  # and the page says who does
    assert _review(client, video, "in_review", "Check the sky").status_code == 302
    assert _review(client, video, "approved").status_code == 403
    client.force_login(alice)
    assert _review(client, video, "approved", "Great").status_code == 302
    assert VideoReview.objects.get(video=video).state == "approved"
    page = _detail(client, video).content.decode()
    assert 'data-review-current="approved"' in page and "by alice" in page and "History (2)" in page
    assert "“Great”" in page and "“Check the sky”" in page
    assert 'data-review-state="approved"' in _detail(client, child).content.decode()  # the lineage's node of v1

    gallery = client.get(reverse("videos:project-gallery", args=[project.public_id])).content.decode()
    card = gallery[gallery.index(f'data-video="{video.public_id}"') :]
    assert card[: card.index("</article>")].count('data-review-state="approved"') == 1
    other = gallery[gallery.index(f'data-video="{child.public_id}"') :]
    assert "data-review-state" not in other[: other.index("</article>")]
    approved = client.get(reverse("videos:gallery"), {"review": "approved"})
    assert [v.id for v in approved.context["videos"]] == [video.id]
    assert list(client.get(reverse("videos:gallery"), {"review": "in_review"}).context["videos"]) == []
    assert ReviewChange.objects.count() == 2


def test_a_review_state_that_is_not_one_is_refused(client, alice, video):
    client.force_login(alice)
    r = _review(client, video, "shipped")
    assert r.status_code == 302 and not VideoReview.objects.exists()
    assert "The review was not changed" in _detail(client, video).content.decode()


def test_the_owner_lets_editors_approve(client, alice, bob, project, video):
    client.force_login(alice)
    page = client.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    assert 'name="editors_may_approve"' in page and "checked" not in page[page.index('id="review-policy"') :]
    client.post(reverse("reviews:review-policy", args=[project.public_id]), {"editors_may_approve": "1"})
    client.force_login(bob)
    page = _detail(client, video).content.decode()
    assert 'value="approved"' in page and "Owners approve in this project" not in page
    assert _review(client, video, "approved").status_code == 302
    assert VideoReview.objects.get(video=video).state == "approved"
    assert (
        'id="review-policy"' not in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    )


def test_the_live_progress_cards_keep_the_badge(client, alice, video):
    from accounts.actors import Actor
    from reviews import review_services

    review_services.review_set(actor=Actor.of_user(alice), video=video, state="approved")
    client.force_login(alice)
    r = client.get(reverse("videos:status"), {"ids": str(video.public_id), "cards": "1"})
    assert 'data-review-state="approved"' in r.json()["videos"][str(video.public_id)]["card"]


def test_an_approved_take_is_marked_on_its_storyboard(client, alice, cut):
    from accounts.actors import Actor
    from reviews import review_services

    take = cut.storyboard.shots.get().takes.get()
    review_services.review_set(actor=Actor.of_user(alice), video=take.video, state="approved")
    client.force_login(alice)
    page = client.get(reverse("storyboards:detail", args=[cut.storyboard.public_id])).content.decode()
    item = page[page.index(f'data-take="{take.public_id}"') :]
    assert 'data-review-state="approved"' in item[: item.index("</li>")]


@pytest.mark.parametrize("n", [2, 12])
def test_the_gallery_marks_and_filters_reviewed_videos_without_a_query_per_card(
    client, alice, project, make_video, django_assert_num_queries, n
):
    from django.core.cache import cache

    from accounts.actors import Actor
    from reviews import review_services

    for i in range(n):
        v = make_video(project, alice, prompt=f"kite {i}", video=b"mp4")
        review_services.review_set(actor=Actor.of_user(alice), video=v, state="approved" if i % 2 else "in_review")
    client.force_login(alice)
    url = reverse("videos:project-gallery", args=[project.public_id])
    client.get(url)  # the search index's one-time check (SQLite) is not a query of the page
    cache.clear()
    from tests.videos.views.test_query_counts import GALLERY

    with django_assert_num_queries(GALLERY):  # as tests/videos/views/test_query_counts.py: the review adds nothing
        page = client.get(url, {"review": "approved"}).content.decode()
    assert page.count('data-review-state="approved"') == n // 2 and 'data-review-state="in_review"' not in page


def test_a_comment_with_a_nul_character_is_refused_with_a_clear_400(client, bob, video):
    client.raise_request_exception = False
    client.force_login(bob)
    r = _comment(client, video, body="a\x00b")
    assert r.status_code == 400 and "NUL character" in r.content.decode()
    assert not Comment.objects.exists()


def test_a_viewer_setting_a_review_is_refused_and_recorded(client, viewer, video):
    from audit.models import Entry

    client.force_login(viewer)
    assert _review(client, video, "approved").status_code == 403
    entry = Entry.objects.get(action="review.change")
    assert (entry.outcome, entry.actor_name, entry.target_id) == ("refused", "vera", str(video.public_id))
    assert not VideoReview.objects.exists()
