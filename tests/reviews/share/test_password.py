"""A guest link's password: asked before anything plays, a wrong one asks again with a clear error, at most
PASSWORD_TRIES wrong ones per link and minute (then even the right one waits), and the unlock is kept in the
guest's session for that link only."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from reviews import share_services as share
from tests.reviews.share.conftest import file_url, guest_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def room_in_the_cache():
    """Counts are per link (every test makes its own). Without Redis the count lives in this process's LocMemCache,
    which drops a third of its keys once it holds 300 (a whole test run's rate-limit keys fill it): emptied first
    here. Never on Redis: clear() would flush the database the other test process uses at the same time."""
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["api"], LocMemCache):
        caches["api"].clear()


def test_nothing_plays_before_the_password(client, video, make_link):
    _, token = make_link(video, password="paper boat")
    page = client.get(guest_url(token)).content.decode()
    assert "needs a password" in page and file_url(token) not in page
    assert client.get(file_url(token)).status_code == 404


def test_the_right_password_opens_it_in_this_session(client, video, make_link):
    link, token = make_link(video, password="paper boat")
    r = client.post(guest_url(token), {"password": "paper boat"})
    assert r.status_code == 302 and r["Location"] == guest_url(token)
    assert f'src="{file_url(token)}"' in client.get(guest_url(token)).content.decode()
    assert client.get(file_url(token)).status_code == 200
    # Another browser still needs it.
    assert "needs a password" in Client().get(guest_url(token)).content.decode()


def test_a_wrong_password_asks_again(client, video, make_link):
    _, token = make_link(video, password="paper boat")
    r = client.post(guest_url(token), {"password": "paper plane"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "That password is not right" in page and "needs a password" in page
    assert client.get(file_url(token)).status_code == 404


def test_the_unlock_is_for_that_link_only(client, video, make_link):
    _, first = make_link(video, password="same")
    _, second = make_link(video, password="same")
    client.post(guest_url(first), {"password": "same"})
    assert client.get(file_url(first)).status_code == 200
    assert "needs a password" in client.get(guest_url(second)).content.decode()
    assert client.get(file_url(second)).status_code == 404


def test_wrong_passwords_are_limited_per_link(client, video, make_link):
    _, token = make_link(video, password="paper boat")
    _, other = make_link(video, password="paper boat")
    for _ in range(share.PASSWORD_TRIES):
        assert client.post(guest_url(token), {"password": "guess"}).status_code == 400
    r = client.post(guest_url(token), {"password": "paper boat"})  # even the right one waits now
    assert r.status_code == 429 and "Too many wrong passwords" in r.content.decode()
    assert 1 <= int(r["Retry-After"]) <= share.PASSWORD_WINDOW_SECONDS
    assert client.get(file_url(token)).status_code == 404
    # Another link is not held up.
    assert Client().post(guest_url(other), {"password": "paper boat"}).status_code == 302


def test_the_limit_ends_with_its_window(video, make_link):
    link, _ = make_link(video, password="paper boat")
    start = 1_000_000 * share.PASSWORD_WINDOW_SECONDS
    for _ in range(share.PASSWORD_TRIES):
        assert share.password_check(link, "guess", now=start) is False
    with pytest.raises(share.TooManyTries):
        share.password_check(link, "paper boat", now=start + 1)
    assert share.password_check(link, "paper boat", now=start + share.PASSWORD_WINDOW_SECONDS) is True


def test_the_form_works_without_a_referer(video, make_link):
    """The page sends no Referer (Referrer-Policy: no-referrer), so browsers post the form with `Origin: null`."""
    _, token = make_link(video, password="paper boat")
    guest = Client(enforce_csrf_checks=True)
    guest.get(guest_url(token))
    r = guest.post(guest_url(token), {"password": "paper boat"}, HTTP_ORIGIN="null")
    assert r.status_code == 302


def test_a_huge_password_is_just_wrong(client, video, make_link):
    _, token = make_link(video, password="paper boat")
    r = client.post(guest_url(token), {"password": "x" * 100_000})
    assert r.status_code == 400 and "That password is not right" in r.content.decode()


def test_a_password_with_a_nul_is_just_wrong(client, video, make_link):
    _, token = make_link(video, password="paper boat")
    r = client.post(guest_url(token), {"password": "paper\x00boat"})
    assert r.status_code == 400 and "That password is not right" in r.content.decode()
    assert client.get(file_url(token)).status_code == 404


def test_a_too_long_password_makes_no_link(client, bob, video):
    from django.urls import reverse

    from reviews.models import GuestLink

    client.force_login(bob)
    url = reverse("reviews:share-create-video", args=[video.public_id])
    r = client.post(url, {"expires_in": "1h", "password": "x" * (share.PASSWORD_MAX_LENGTH + 1)}, follow=True)
    assert "The guest link was not made" in r.content.decode() and "at most 128 characters" in r.content.decode()
    assert not GuestLink.objects.exists()


def test_parallel_guesses_cannot_slip_under_the_limit(video, make_link, monkeypatch):
    """Each try is counted before the (slow, in production) hash check: 30 wrong passwords at once get at most
    PASSWORD_TRIES checks, the rest are refused without one."""
    import threading
    import time

    link, _ = make_link(video, password="paper boat")
    checked, refused = [], []
    real = share.check_password

    def slow_check(password, encoded):
        checked.append(password)
        time.sleep(0.05)  # as PBKDF2 takes, so the guesses overlap
        return real(password, encoded)

    monkeypatch.setattr(share, "check_password", slow_check)

    def guess(n):
        try:
            share.password_check(link, f"guess {n}")
        except share.TooManyTries:
            refused.append(n)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == share.PASSWORD_TRIES and len(refused) == 30 - share.PASSWORD_TRIES
