"""A long gallery goes by position (issue #12): "older" / "newer" links name the video a page starts after or ends
before, every order walks its whole list exactly once both ways, the last page is the other end, the count is
labelled as an estimate, and a short list keeps its numbered pages and exact count."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from videos import selectors, views


@pytest.fixture
def long_lists(monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seven(alice, project, make_video):
    costs = ["0.40", "1.20", "0.40", "3.00", "1.20", "0.40", "0.80"]  # ties: the later fields decide
    seconds = [4, 12, 8, 4, 12, 8, 4]
    return [
        make_video(project, alice, prompt=f"v{i}", estimated_cost=Decimal(c), seconds=s)
        for i, (c, s) in enumerate(zip(costs, seconds))
    ]


def _page(client, **params):
    r = client.get(reverse("videos:gallery"), params)
    assert r.status_code == 200
    return r


@pytest.mark.parametrize("sort", ["newest", "oldest", "cost", "length"])
def test_every_order_is_walked_once_both_ways(client, alice, seven, long_lists, sort):
    client.force_login(alice)
    full = [v.prompt for v in selectors.gallery(alice, filters=selectors.GalleryFilters(sort=sort))]
    assert sorted(full) == sorted(v.prompt for v in seven)

    seen, params, pages = [], {"sort": sort}, []
    while True:
        r = _page(client, **params)
        page = r.context["gallery_page"]
        pages.append(page)
        seen += [v.prompt for v in r.context["videos"]]
        if page.is_last:
            break
        params = {"sort": sort, "after": page.after}
    assert seen == full and len(pages) == 4

    back = []
    page = pages[-1]
    while not page.is_first:
        r = _page(client, sort=sort, before=page.before)
        page = r.context["gallery_page"]
        back = [v.prompt for v in r.context["videos"]] + back
    assert back == full[: len(full) - len(pages[-1].videos)]  # every page before the last, in order


def test_the_last_page_is_the_other_end_and_links_say_older_and_newer(client, alice, seven, long_lists):
    client.force_login(alice)
    first = _page(client)
    body = first.content.decode()
    assert "Older" in body and "Oldest" in body and "Newer" not in body
    assert 'rel="next"' in body and f"after={first.context['gallery_page'].after}" in html.unescape(body)
    last = _page(client, page="last")
    assert [v.prompt for v in last.context["videos"]] == ["v1", "v0"]
    assert last.context["gallery_page"].is_last and "Newer" in last.content.decode()


def test_a_long_list_says_its_count_is_an_estimate(client, alice, seven, long_lists):
    client.force_login(alice)
    page = _page(client).context["gallery_page"]
    assert page.count is None and page.count_label == "about 7"
    filtered = _page(client, q="v1").context["gallery_page"]
    assert filtered.count == 1  # short: exact
    assert _page(client, model="sora-2").context["gallery_page"].count_label == "more than 3"


def test_a_short_list_keeps_numbered_pages(client, alice, seven, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(alice)
    r = _page(client, page=2)
    assert r.context["gallery_page"].count == 7 and r.context["page_obj"].number == 2
    nav = r.content.decode()
    assert sorted({int(n) for n in re.findall(r"page=(\d+)", html.unescape(nav))}) == [1, 2, 3, 4]


def test_a_position_outside_my_projects_is_ignored(client, alice, charlie, seven, long_lists, make_video):
    theirs = make_video(charlie.projects.get(), charlie, prompt="charlie's")
    client.force_login(alice)
    r = _page(client, after=str(theirs.public_id))
    assert [v.prompt for v in r.context["videos"]] == ["v6", "v5"]  # the first page
    assert _page(client, after="not-a-uuid").context["gallery_page"].is_first
