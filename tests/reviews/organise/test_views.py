"""The organise pages: a star on cards and on the video page (a plain form that comes back to the same place, or
JSON for the script), tags and a title on the video page (editors; viewers see them), markup shown as text, and
the galleries' tag and favourite filters, kept while paging."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.actors import Actor
from reviews import organise_services as services
from reviews.models import Favourite, Tag, VideoTag, VideoTitle


@pytest.fixture
def video(project, alice, make_video):
    return make_video(project, alice, prompt="A red kite over the park")


def _detail(video):
    return reverse("videos:detail", args=[video.public_id])


def test_the_star_form_stars_and_comes_back_to_the_card(client, bob, video, project):
    client.force_login(bob)
    gallery = reverse("videos:project-gallery", args=[project.public_id]) + "?sort=oldest"
    r = client.post(reverse("reviews:favourite", args=[video.public_id]),
                    {"on": "1", "next": f"{gallery}#v-{video.public_id.hex}"})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == f"{gallery}#v-{video.public_id.hex}"
    assert Favourite.objects.filter(user=bob, video=video).exists()
    page = client.get(gallery).content.decode()
    assert 'aria-pressed="true"' in page
    client.post(reverse("reviews:favourite", args=[video.public_id]), {"on": "0"})
    assert not Favourite.objects.exists()


def test_the_star_answers_json_to_the_script(client, viewer, video):
    client.force_login(viewer)
    r = client.post(reverse("reviews:favourite", args=[video.public_id]), {"on": "1"}, HTTP_ACCEPT="application/json")
    assert r.json() == {"favourite": True}
    assert Favourite.objects.filter(user=viewer).count() == 1


def test_a_next_elsewhere_is_not_followed(client, bob, video):
    client.force_login(bob)
    r = client.post(reverse("reviews:favourite", args=[video.public_id]), {"on": "1", "next": "https://evil.example/"})
    assert r["Location"] == _detail(video)


def test_the_star_needs_the_csrf_token(bob, video):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bob)
    assert strict.post(reverse("reviews:favourite", args=[video.public_id]), {"on": "1"}).status_code == 403
    assert not Favourite.objects.exists()


def test_an_editor_tags_and_untags_on_the_video_page(client, bob, video):
    client.force_login(bob)
    r = client.post(reverse("reviews:tag-add", args=[video.public_id]), {"name": " Golden Hour "}, follow=True)
    assert "Tagged “Golden Hour”." in r.content.decode()
    assert list(VideoTag.objects.values_list("tag__name", flat=True)) == ["Golden Hour"]
    page = client.get(_detail(video)).content.decode()
    assert "Golden Hour" in page and reverse("reviews:tag-remove", args=[video.public_id]) in page
    r = client.post(reverse("reviews:tag-remove", args=[video.public_id]), {"name": "golden hour"}, follow=True)
    assert "Removed the tag" in r.content.decode()
    assert not VideoTag.objects.exists()


def test_a_ten_thousand_character_tag_is_refused_with_a_clear_message(client, bob, video):
    client.force_login(bob)
    r = client.post(reverse("reviews:tag-add", args=[video.public_id]), {"name": "x" * 10_000}, follow=True)
    assert "A tag is at most 50 characters; this one has 10,000." in r.content.decode()
    assert not Tag.objects.exists()
    r = client.post(reverse("reviews:tag-add", args=[video.public_id]), {"name": ""}, follow=True)
    assert "A tag cannot be empty." in r.content.decode()
    assert not Tag.objects.exists()


def test_a_tag_with_markup_is_escaped_everywhere(client, alice, bob, video, project):
    services.tag_add(actor=Actor.of_user(alice), video=video, name="<b>bold</b>")
    services.title_set(actor=Actor.of_user(alice), video=video, title="<img src=x onerror=alert(1)>")
    client.force_login(bob)
    for url in (_detail(video), reverse("videos:gallery"), reverse("videos:project-gallery", args=[project.public_id])):
        page = client.get(url).content.decode()
        assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page, url
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page, url


def test_viewers_see_tags_and_the_title_but_no_forms(client, alice, viewer, video):
    services.tag_add(actor=Actor.of_user(alice), video=video, name="dusk")
    services.title_set(actor=Actor.of_user(alice), video=video, title="Kite at dusk")
    client.force_login(viewer)
    page = client.get(_detail(video)).content.decode()
    assert "dusk" in page and "Kite at dusk" in page
    assert reverse("reviews:tag-add", args=[video.public_id]) not in page
    assert reverse("reviews:title", args=[video.public_id]) not in page
    assert client.post(reverse("reviews:tag-add", args=[video.public_id]), {"name": "mine"}).status_code == 403


def test_a_title_names_the_card_and_the_page_and_the_prompt_stays(client, bob, video, project):
    client.force_login(bob)
    gallery = reverse("videos:project-gallery", args=[project.public_id])
    client.get(gallery)  # the card is cached with the prompt as its name
    r = client.post(reverse("reviews:title", args=[video.public_id]), {"title": "Kite, take 2"}, follow=True)
    assert "Renamed to “Kite, take 2”." in r.content.decode()
    page = client.get(_detail(video)).content.decode()
    assert "<title>Kite, take 2" in page and '<h1 class="prompt-title">Kite, take 2</h1>' in page
    assert "A red kite over the park" in page  # the prompt, still on the page
    card = client.get(gallery).content.decode()
    assert "<span data-video-title>Kite, take 2</span>" in card  # a new card, not the cached one
    r = client.post(reverse("reviews:title", args=[video.public_id]), {"title": "t" * 201}, follow=True)
    assert "A title is at most 200 characters; this one has 201." in r.content.decode()
    assert VideoTitle.objects.get().title == "Kite, take 2"


@pytest.fixture
def tagged(alice, bob, project, make_video):
    """Five videos: the 1st, 3rd and 5th tagged "dusk", bob stars the 2nd and 3rd."""
    videos = [make_video(project, alice, prompt=f"kite number {i}") for i in range(5)]
    for v in videos[::2]:
        services.tag_add(actor=Actor.of_user(alice), video=v, name="Dusk")
    for v in videos[1:3]:
        services.favourite_set(actor=Actor.of_user(bob), video=v, on=True)
    return videos


@pytest.mark.parametrize("where", ["gallery", "project", "search"])
def test_every_gallery_filters_by_tag_and_favourite(client, bob, project, tagged, where):
    client.force_login(bob)
    url = (
        reverse("videos:project-gallery", args=[project.public_id]) if where == "project" else reverse("videos:gallery")
    )
    extra = {"q": "kite"} if where == "search" else {}
    shown = client.get(url, {**extra, "tag": "DUSK"}).context["videos"]
    assert {v.id for v in shown} == {tagged[0].id, tagged[2].id, tagged[4].id}
    shown = client.get(url, {**extra, "favourite": "1"}).context["videos"]
    assert {v.id for v in shown} == {tagged[1].id, tagged[2].id}
    shown = client.get(url, {**extra, "favourite": "1", "tag": "dusk"}).context["videos"]
    assert [v.id for v in shown] == [tagged[2].id]


def test_the_filters_are_kept_while_paging(client, bob, tagged, monkeypatch):
    from videos import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(bob)
    r = client.get(reverse("videos:gallery"), {"tag": "dusk"})
    assert len(r.context["videos"]) == 2
    page = r.content.decode()
    assert "?tag=dusk&amp;page=2" in page
    r = client.get(reverse("videos:gallery"), {"tag": "dusk", "page": 2})
    assert [v.id for v in r.context["videos"]] == [tagged[0].id]
    assert 'value="dusk"' in r.content.decode()  # still in the filter form


def test_a_too_long_tag_filter_is_ignored_with_a_message(client, bob, tagged):
    client.force_login(bob)
    r = client.get(reverse("videos:gallery"), {"tag": "x" * 10_000})
    assert len(r.context["videos"]) == 5
    assert "Ignored: Tag: Ensure this value has at most 50 characters" in r.content.decode()


def test_the_cards_carry_a_box_a_star_and_their_tags(client, bob, project, tagged):
    client.force_login(bob)
    page = client.get(reverse("videos:project-gallery", args=[project.public_id])).content.decode()
    assert page.count('name="videos"') == 5 and page.count('form="organise-bulk"') == 5
    assert page.count("data-organise-star") == 5 and page.count('aria-pressed="true"') == 2
    assert page.count('class="tag-chip"') == 3
    assert '<datalist id="organise-tags"><option value="Dusk">' in page
    assert "{#" not in page and "#}" not in page  # no template comment shown as text
    detail = client.get(_detail(tagged[0])).content.decode()
    assert "{#" not in detail and "#}" not in detail


def test_a_live_cards_fresh_html_keeps_its_title(client, alice, bob, project, make_video):
    rendering = make_video(project, alice, prompt="A kite being made", status="in_progress", progress=40)
    services.title_set(actor=Actor.of_user(alice), video=rendering, title="Kite in the making")
    client.force_login(bob)
    r = client.get(reverse("videos:status"), {"ids": str(rendering.public_id), "cards": "1"})
    assert "<span data-video-title>Kite in the making</span>" in r.json()["videos"][str(rendering.public_id)]["card"]
