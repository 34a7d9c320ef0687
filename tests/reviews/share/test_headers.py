"""Guest pages and files are never indexed, never cached as shared, and never leak the token in a Referer."""

from __future__ import annotations

import pytest

from tests.reviews.share.conftest import file_url, guest_url

pytestmark = pytest.mark.django_db
ROBOTS = "noindex, nofollow"


def _page_headers_ok(r):
    assert r["X-Robots-Tag"] == ROBOTS
    assert r["Referrer-Policy"] == "no-referrer"
    assert r["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in r.content.decode()


def test_the_guest_page(client, video, make_link):
    _, token = make_link(video)
    r = client.get(guest_url(token))
    assert r.status_code == 200
    _page_headers_ok(r)


def test_the_password_page(client, video, make_link):
    _, token = make_link(video, password="pw")
    r = client.get(guest_url(token))
    assert r.status_code == 200 and "needs a password" in r.content.decode()
    _page_headers_ok(r)


def test_the_gone_page(client):
    r = client.get(guest_url("no-such-token"))
    assert r.status_code == 404
    _page_headers_ok(r)


def test_the_files(client, video, make_link):
    _, token = make_link(video, allow_download=True)
    for url in (file_url(token), file_url(token, "thumbnail"), file_url(token) + "?download=1"):
        r = client.get(url)
        assert r.status_code == 200 and r["X-Robots-Tag"] == ROBOTS and r["Cache-Control"] == "private, no-store"
    r = client.get(file_url("no-such-token"))
    assert r.status_code == 404 and r["X-Robots-Tag"] == ROBOTS


def test_the_creation_page_is_not_cached_either(client, bob, video):
    from django.urls import reverse

    client.force_login(bob)
    r = client.post(reverse("reviews:share-create-video", args=[video.public_id]), {"expires_in": "1h"})
    assert r.status_code == 201 and r["Cache-Control"] == "private, no-store" and r["Referrer-Policy"] == "no-referrer"
