"""The gallery names what it shows, has a Mine tab, links each card's title, numbers its pages and sorts, all
keeping the current filters in its links (issue item 14)."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from django.urls import reverse

from videos import views


def _links(body: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', body)]


def test_the_gallery_says_what_it_lists_and_mine_lists_only_mine(client, alice, bob, viewer, project, make_video):
    make_video(project, alice, prompt="alice's kite")
    make_video(project, bob, prompt="bob's boat")
    client.force_login(viewer)

    everyone = client.get(reverse("videos:gallery"))
    mine = client.get(reverse("videos:gallery"), {"scope": "mine"})

    assert "All videos in my projects" in everyone.content.decode()
    assert "All my videos" not in everyone.content.decode()
    assert {v.prompt for v in everyone.context["videos"]} == {"alice's kite", "bob's boat"}
    assert list(mine.context["videos"]) == [] and "My videos" in mine.content.decode()
    client.force_login(bob)
    assert {v.prompt for v in client.get(reverse("videos:gallery"), {"scope": "mine"}).context["videos"]} == {
        "bob's boat"
    }
    in_project = client.get(reverse("videos:project-gallery", args=[project.public_id]), {"scope": "mine"})
    assert {v.prompt for v in in_project.context["videos"]} == {"bob's boat"}


def test_the_tabs_keep_the_other_filters(client, alice, project, make_video):
    make_video(project, alice, prompt="kite")
    client.force_login(alice)
    body = client.get(reverse("videos:gallery"), {"q": "kite", "sort": "oldest", "page": "1"}).content.decode()
    tab = next(h for h in _links(body) if "scope=mine" in h)
    assert "q=kite" in tab and "sort=oldest" in tab and "page=" not in tab


def test_a_cards_title_links_to_the_video(client, alice, project, make_video):
    video = make_video(project, alice, prompt="A kite over the park")
    client.force_login(alice)
    body = client.get(reverse("videos:gallery")).content.decode()
    url = reverse("videos:detail", args=[video.public_id])
    assert re.search(rf'<a class="card-title" href="{url}"[^>]*>A kite over the park</a>', body)


def test_pages_are_numbered_with_first_last_and_a_window_keeping_the_filters(
    client, alice, project, make_video, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(26):  # 13 pages
        make_video(project, alice, prompt=f"kite {n}")
    client.force_login(alice)

    body = client.get(reverse("videos:gallery"), {"q": "kite", "page": 7, "sort": "oldest"}).content.decode()

    nav = body[body.index('class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    pages = sorted({int(m) for m in re.findall(r"page=(\d+)", html.unescape(nav))})
    assert pages == [1, 5, 6, 7, 8, 9, 13]
    assert 'aria-current="page"' in nav and "…" in nav
    for link in _links(nav):
        assert "q=kite" in link and "sort=oldest" in link


def test_sorting_by_age_cost_and_length(client, alice, project, make_video):
    a = make_video(project, alice, prompt="a", seconds=4, estimated_cost=Decimal("0.40"))
    b = make_video(project, alice, prompt="b", seconds=12, estimated_cost=Decimal("1.20"))
    c = make_video(project, alice, prompt="c", seconds=8, estimated_cost=Decimal("3.00"))
    client.force_login(alice)

    def order(sort):
        return [v.prompt for v in client.get(reverse("videos:gallery"), {"sort": sort}).context["videos"]]

    assert order("") == order("newest") == ["c", "b", "a"]
    assert order("oldest") == ["a", "b", "c"]
    assert order("cost") == ["c", "b", "a"]
    assert order("length") == ["b", "c", "a"]
    assert a and b and c


def test_the_filters_have_labels(client, alice, project, make_video):
    make_video(project, alice)
    client.force_login(alice)
    body = client.get(reverse("videos:gallery")).content.decode()
    start = body.index('class="filters')
    form = body[start : body.index("</form>", start)]
    for name in ("q", "status", "model", "owner", "sort"):
        control = re.search(rf'<(input|select)[^>]*name="{name}"', form)
        assert control, name
        label_start = form.rfind("<label", 0, control.start())
        assert label_start != -1 and "</label>" not in form[label_start : control.start()], f"{name} has no label"
