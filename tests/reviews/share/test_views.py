"""The guest link pages: an editor makes a link on the video page (shown once), the list on the video and cut pages,
revoking, and what a guest without an account gets: the player, the prompt and download only when allowed, nothing
else of the project; the same gone page (404) for unknown, expired, revoked links and deleted videos."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry
from reviews.models import GuestLink
from tests.reviews.share.conftest import MP4, THUMB, file_url, guest_url

pytestmark = pytest.mark.django_db
GONE = "This link has expired or was revoked"


def _make(client, video, **data):
    data = {"expires_in": "7d", **data}
    return client.post(reverse("reviews:share-create-video", args=[video.public_id]), data)


def test_an_editor_makes_a_link_and_sees_it_once(client, bob, video, settings):
    settings.SITE_URL = "https://studio.example.com"
    client.force_login(bob)
    r = _make(client, video, allow_download="on", password="boat")
    assert r.status_code == 201 and r["Cache-Control"] == "private, no-store"
    url = re.search(r"data-guest-link-url>([^<]+)<", r.content.decode()).group(1)
    token = url.rsplit("/g/", 1)[1].strip("/")
    link = GuestLink.objects.get()
    assert url.startswith("https://studio.example.com/g/") and link.token_prefix == token[:6]
    assert link.allow_download and link.has_password and not link.show_prompt
    assert link.expires_at - link.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    assert link.created_by == bob and link.video == video
    # The video page lists it by its prefix only, never the token.
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert f"/g/{token[:6]}…" in page and token not in page
    assert 'data-copy="#guest-link-url"' in r.content.decode()


def test_a_bad_expiry_makes_nothing(client, bob, video):
    client.force_login(bob)
    r = _make(client, video, expires_in="forever")
    assert r.status_code == 302 and not GuestLink.objects.exists()
    page = client.get(r["Location"]).content.decode()
    assert "The guest link was not made" in page


def test_viewers_see_no_links_and_cannot_make_one(client, viewer, video, make_link):
    make_link(video)
    client.force_login(viewer)
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "Guest links" not in page
    assert _make(client, video).status_code == 403
    assert GuestLink.objects.count() == 1
    refused = Entry.objects.get(action="guest_link.create", outcome=Entry.Outcome.REFUSED)
    assert refused.actor == viewer and "editor role" in refused.reason


def test_the_video_page_lists_each_link(client, alice, bob, video, make_link):
    link, token = make_link(video, allow_download=True, password="pw")
    viewed, viewed_token = make_link(video)
    Client().get(guest_url(viewed_token))
    client.force_login(alice)
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    items = dict(re.findall(r'<li data-guest-link="([^"]+)" data-state="live">(.*?)</li>', page, re.S))
    assert set(items) == {str(link.public_id), str(viewed.public_id)}

    def fact(item, name):
        return re.sub(r"<[^>]+>", "", re.search(rf"<dd data-{name}>(.*?)</dd>", item, re.S).group(1)).strip()

    first, second = items[str(link.public_id)], items[str(viewed.public_id)]
    assert fact(first, "made-by") == "bob" and fact(first, "views") == "0" and fact(first, "last-viewed") == "never"
    assert (fact(first, "password"), fact(first, "download")) == ("yes", "yes")
    assert (fact(second, "password"), fact(second, "download")) == ("no", "no")
    assert fact(second, "views") == "1" and fact(second, "last-viewed") != "never"
    assert "data-revoke" in first and token not in page and viewed_token not in page


def test_revoked_and_expired_links_are_listed_as_such(client, alice, video, make_link):
    from accounts.actors import Actor
    from reviews import share_services as share

    revoked, _ = make_link(video)
    share.link_revoke(actor=Actor.of_user(alice), link=revoked)
    expired, _ = make_link(video, expires_in="1h", now=timezone.now() - timedelta(hours=2))
    client.force_login(alice)
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    states = dict(re.findall(r'<li data-guest-link="([^"]+)" data-state="(\w+)">', page))
    assert states == {str(revoked.public_id): "revoked", str(expired.public_id): "expired"}
    assert "data-revoke" not in page


def test_the_cut_page_lists_links_and_makes_them(client, bob, cut, make_link):
    client.force_login(bob)
    r = client.post(reverse("reviews:share-create-cut", args=[cut.public_id]), {"expires_in": "1h"})
    assert r.status_code == 201
    link = GuestLink.objects.get()
    assert link.cut == cut
    page = client.get(reverse("storyboards:cut", args=[cut.public_id])).content.decode()
    assert f'data-guest-link="{link.public_id}"' in page


def test_revoking_works_at_once(client, bob, video, make_link):
    link, token = make_link(video)
    guest = Client()
    assert guest.get(guest_url(token)).status_code == 200
    client.force_login(bob)
    r = client.post(reverse("reviews:share-revoke", args=[link.public_id]))
    assert r.status_code == 302 and r["Location"].endswith("#guest-links")
    r = guest.get(guest_url(token))
    assert r.status_code == 404 and GONE in r.content.decode()
    assert guest.get(file_url(token)).status_code == 404


def test_a_viewer_cannot_revoke(client, viewer, video, make_link):
    link, token = make_link(video)
    client.force_login(viewer)
    assert client.post(reverse("reviews:share-revoke", args=[link.public_id])).status_code == 403
    assert Client().get(guest_url(token)).status_code == 200


def test_the_guest_page_shows_the_player_and_nothing_of_the_project(client, video, make_link, project):
    _, token = make_link(video)
    r = client.get(guest_url(token))
    assert r.status_code == 200
    page = r.content.decode()
    assert f'src="{file_url(token)}"' in page and f'poster="{file_url(token, "thumbnail")}"' in page
    assert project.name not in page and video.prompt not in page and str(video.public_id) not in page
    assert "<nav" not in page and "<header" not in page and "Download" not in page and "Log in" not in page


def test_the_prompt_and_download_only_when_allowed(client, video, make_link):
    _, token = make_link(video, show_prompt=True, allow_download=True)
    page = client.get(guest_url(token)).content.decode()
    assert video.prompt in page and f'href="{file_url(token)}?download=1"' in page
    r = client.get(file_url(token) + "?download=1")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    assert b"".join(r.streaming_content) == MP4


def test_download_when_not_allowed_is_404(client, video, make_link):
    _, token = make_link(video)
    r = client.get(file_url(token) + "?download=1")
    assert r.status_code == 404 and GONE in r.content.decode()
    assert client.get(file_url(token, "thumbnail") + "?download=1").status_code == 404


def test_the_guest_plays_and_seeks_with_ranges(client, video, make_link):
    _, token = make_link(video)
    r = client.get(file_url(token), HTTP_RANGE="bytes=100-199")
    assert r.status_code == 206 and r["Content-Range"] == f"bytes 100-199/{len(MP4)}"
    assert b"".join(r.streaming_content) == MP4[100:200]
    assert "inline" in r["Content-Disposition"] and r["X-Robots-Tag"] == "noindex, nofollow"
    r = client.get(file_url(token, "thumbnail"))
    assert r.status_code == 200 and b"".join(r.streaming_content) == THUMB


def test_a_guest_reaches_no_other_file(client, video, make_link, project, alice, make_video):
    _, token = make_link(video)
    for variant in ("spritesheet", "reference", "..", "video.mp4"):
        assert client.get(file_url(token, variant)).status_code == 404
    other = make_video(project, alice, video=b"other")
    assert client.get(reverse("videos:asset", args=[other.public_id, "video"])).status_code == 302  # to the login
    assert client.get(reverse("videos:asset", args=[video.public_id, "video"])).status_code == 302


def test_expired_revoked_unknown_and_deleted_look_the_same(client, alice, video, make_link, project, make_video):
    from accounts.actors import Actor
    from reviews import share_services as share

    past = timezone.now() - timedelta(hours=2)
    expired = make_link(video, expires_in="1h", now=past)[1]
    revoked_link, revoked = make_link(video)
    share.link_revoke(actor=Actor.of_user(alice), link=revoked_link)
    doomed = make_video(project, alice, video=b"doomed")
    deleted = make_link(doomed)[1]
    doomed.deleted_at = timezone.now()
    doomed.save(update_fields=["deleted_at"])
    answers = []
    for token in (expired, revoked, deleted, "x" * 43, "nonsense"):
        r = client.get(guest_url(token))
        assert r.status_code == 404 and GONE in r.content.decode()
        answers.append(r.content)
    assert len(set(answers)) == 1  # nothing tells them apart


def test_expiry_with_time_passing(client, video, make_link, monkeypatch):
    now = timezone.now()
    _, token = make_link(video, expires_in="1h", now=now)
    assert client.get(guest_url(token)).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=1, seconds=1))
    assert client.get(guest_url(token)).status_code == 404
    assert client.get(file_url(token)).status_code == 404


def test_a_final_cut_plays_for_a_guest(client, cut, make_link):
    _, token = make_link(cut=cut)
    r = client.get(guest_url(token))
    assert r.status_code == 200 and f'src="{file_url(token)}"' in r.content.decode()
    assert b"".join(client.get(file_url(token)).streaming_content) == b"cut bytes"
    assert client.get(file_url(token, "thumbnail")).status_code == 404  # this cut has none


def test_a_guest_page_takes_get_and_post_only(client, video, make_link):
    _, token = make_link(video)
    assert client.put(guest_url(token)).status_code == 405
    assert client.post(file_url(token)).status_code == 405
