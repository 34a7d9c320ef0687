"""Every page a member or an admin opens makes the same number of queries with 3 videos as with 30 (issue #12):
galleries (numbered, by position, last page, search), the video page, the live-progress endpoint, the admin's video
list and search, the usage report. The numbers are exact: a new query on a page shows up here."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from videos import selectors, views
from videos.models import Video

SIZES = [3, 30]
THUMB = b"RIFF\x1a\x00\x00\x00WEBPVP8 "


@pytest.fixture(autouse=True)
def empty_cache(db):
    from django.db import connection

    from videos import search

    if connection.vendor == "sqlite":
        search.sqlite_fts_ready()  # asked once per database and process: not a query of any one page
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def videos(request, alice, bob, project, make_video):
    n = request.param
    made = []
    for i in range(n):
        unfinished = i % 5 == 0
        made.append(
            make_video(
                project,
                alice if i % 2 else bob,
                prompt=f"kite number {i} over the park",
                status=Video.Status.IN_PROGRESS if unfinished else Video.Status.COMPLETED,
                progress=40 if unfinished else 100,
                **({} if unfinished else {"thumbnail": THUMB}),
            )  # fmt: skip
        )
    return made


def _get(client, url, django_assert_num_queries, expected: int, **params):
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


# session + user, the memberships (with projects), the people of those projects (the "made by" filter), the offered
# models (the model filter), the bounded count, the page's videos, their files; the organising (reviews): the page's
# tags, my stars among them, the tag names offered while typing (the cards' titles come with the videos); the header
# bell's unread count (reviews' notifications: one COUNT on a partial index, on every page of a signed-in member).
ORGANISE = 3
BELL = 1
GALLERY = 8 + ORGANISE + BELL


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_gallery(client, alice, videos, django_assert_num_queries):
    client.force_login(alice)
    r = _get(client, reverse("videos:gallery"), django_assert_num_queries, GALLERY)
    assert len(r.context["videos"]) == min(len(videos), 24)
    _get(client, reverse("videos:gallery"), django_assert_num_queries, GALLERY, page="last")
    r = _get(client, reverse("videos:gallery"), django_assert_num_queries, GALLERY, q="kite numb")
    assert len(r.context["videos"]) == min(len(videos), 24)


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_project_gallery(client, alice, project, videos, django_assert_num_queries):
    client.force_login(alice)
    # the project with the asker's membership (project_for) instead of all the asker's memberships
    _get(client, reverse("videos:project-gallery", args=[project.public_id]), django_assert_num_queries, GALLERY)


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_a_long_gallery_by_position(client, alice, videos, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)  # 3 and 30 videos are both "long" lists
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # of several pages
    client.force_login(alice)
    url = reverse("videos:gallery")
    # + the projects' cached counts (one grouped count, then the cache)
    first = _get(client, url, django_assert_num_queries, GALLERY + 1)
    _get(client, url, django_assert_num_queries, GALLERY)
    page = first.context["gallery_page"]
    assert page.count is None and page.count_label.startswith("about ")
    # + the video the page starts after
    after = page.after
    assert after and not page.before
    _get(client, url, django_assert_num_queries, GALLERY + 1, after=after)
    _get(client, url, django_assert_num_queries, GALLERY + 1, before=after)
    _get(client, url, django_assert_num_queries, GALLERY, page="last")


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_video_page(client, alice, videos, django_assert_num_queries):
    client.force_login(alice)
    video = next(v for v in videos if v.status == Video.Status.COMPLETED)
    # session + user, the video, the membership, its family (the video with its files, one per generation below),
    # who is in the family (the cast's appearances, one query), the storyboard takes it is (one query), the retry
    # source is not asked, its comments with their authors and its review history (reviews/; the latest change is
    # the current state; an editor's page also asks the project's review policy), its guest links (one query, for
    # editors and owners): 13 in all for a video without remixes; the organising (reviews/): its title, its tags with
    # the project's others (one query) and my star, 3 more; the header bell's unread count, 1 more.
    _get(client, reverse("videos:detail", args=[video.public_id]), django_assert_num_queries, 13 + 3 + 1)


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_live_progress_endpoint(client, alice, videos, django_assert_num_queries):
    client.force_login(alice)
    ids = ",".join(str(v.public_id) for v in videos)
    # session + user, the videos, their files
    r = _get(client, reverse("videos:status"), django_assert_num_queries, 4, ids=ids, cards="1")
    answer = r.json()["videos"]
    assert all("card" in state for state in answer.values())
    known = ",".join(f"{v.public_id}:{v.status}:{v.progress}" for v in videos[1:])
    r = _get(client, reverse("videos:status"), django_assert_num_queries, 4, ids=ids, cards="1", known=known)
    answer = r.json()["videos"]
    moved = [i for i, state in answer.items() if not state.get("unchanged")]
    assert moved == [str(videos[0].public_id)] and "card" in answer[moved[0]]
    assert all("card" not in answer[str(v.public_id)] for v in videos[1:])


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_admin_video_list(client, staff, videos, django_assert_num_queries):
    url = reverse("admin:videos_video_changelist")
    # session + user, the table's size estimate, the bounded count, the page, its files, the providers (a filter),
    # the registry (3 filters)
    _get(client, url, django_assert_num_queries, 10)
    # search: no estimate; the matching owners, projects, prompts (as ids)
    _get(client, url, django_assert_num_queries, 12, q="kite")


@pytest.mark.parametrize("videos", SIZES, indirect=True)
def test_the_usage_report(client, staff, videos, django_assert_num_queries):
    from quotas.models import QuotaCharge

    for v in videos:
        QuotaCharge.objects.create(item_id=v.id, user=v.owner, project=v.project, model=v.model, seconds=v.seconds,
                                   cost_micros=400_000, state=QuotaCharge.State.SETTLED)  # fmt: skip
    url = reverse("admin:quotas_usage_report")
    # session + user, the ledger's last change, then the three sums once; then from the cache
    first = _get(client, url, django_assert_num_queries, 6)
    assert first.context["totals"]["videos"] == len(videos)
    _get(client, url, django_assert_num_queries, 3)
    # a new charge changes the key: the sums are made again, and right
    v = videos[0]
    QuotaCharge.objects.filter(item_id=v.id).update(state=QuotaCharge.State.REFUNDED, updated_at=timezone.now())
    again = _get(client, url, django_assert_num_queries, 6)
    assert again.context["totals"]["videos"] == len(videos) - 1
