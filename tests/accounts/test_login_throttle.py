"""Login throttling (django-axes): by username and by client address, on the studio's login and the admin's, with
the studio's own page saying how long to wait; a successful login forgets the user's own failures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts import throttle
from tests.conftest import PASSWORD

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _limits(settings):
    # config/settings.py maps LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES onto these (defaults 5 and 15).
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _client(ip: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=ip)


def _fail(client: Client, username: str = "alice", times: int = 1, url: str = LOGIN):
    r = None
    for _ in range(times):
        r = client.post(url, {"username": username, "password": "not the password"})
    return r


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_fifth_wrong_password_locks_and_then_even_the_right_one_is_refused(alice):
    client = _client()
    r = _fail(client, times=4)
    assert r.status_code == 200 and "Please enter a correct username and password." in r.content.decode()

    r = _fail(client)
    assert r.status_code == 429

    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert r.status_code == 429
    assert not _logged_in(client)


def test_the_lockout_page_is_the_studios_login_page_saying_how_long_to_wait(alice):
    client = _client()
    _fail(client, times=5)

    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    body = r.content.decode()
    assert r.status_code == 429
    assert 'class="nav' in body and "<title>Log in · Sora Studio</title>" in body  # base.html, not a bare text
    assert "Too many failed log-in attempts." in body
    assert "Try again in 15 minutes." in body
    assert reverse("password_reset") in body
    assert 'name="username"' in body and 'value="alice"' in body


def test_the_wait_counts_down_from_the_last_failure(alice):
    client = _client()
    _fail(client, times=5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=11, seconds=30))

    wait = throttle.lockout_wait("alice", "203.0.113.7")
    assert timedelta(minutes=3, seconds=25) < wait <= timedelta(minutes=3, seconds=30)
    assert throttle.wait_text(wait) == "4 minutes"
    assert throttle.lockout_wait("bob", "192.0.2.1") == timedelta(0)

    # A try while locked is a failure too and restarts the wait (django-axes' default): 15 minutes again.
    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert "Try again in 15 minutes." in r.content.decode()


def test_the_lock_lifts_once_the_wait_is_over(alice):
    client = _client()
    _fail(client, times=5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 302 and _logged_in(client)


def test_failures_for_one_username_from_many_addresses_lock_that_username(alice, charlie):
    for i in range(5):
        _fail(_client(f"198.51.100.{i + 1}"))

    fresh = _client("192.0.2.99")
    r = fresh.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert r.status_code == 429 and not _logged_in(fresh)

    # Another user at that fresh address is not affected.
    r = fresh.post(LOGIN, {"username": "charlie", "password": PASSWORD})
    assert r.status_code == 302 and _logged_in(fresh)


def test_failures_from_one_address_over_many_usernames_lock_that_address(alice, charlie):
    client = _client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(client, username=name)

    r = client.post(LOGIN, {"username": "charlie", "password": PASSWORD})
    assert r.status_code == 429 and not _logged_in(client)

    # charlie from elsewhere is fine.
    other = _client("192.0.2.50")
    assert other.post(LOGIN, {"username": "charlie", "password": PASSWORD}).status_code == 302


def test_a_successful_login_resets_the_users_counter(alice):
    client = _client()
    _fail(client, times=4)
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))

    r = _fail(client, times=4)
    assert r.status_code == 200  # 8 failures in all, but only 4 since the success

    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_failures_against_another(alice, charlie):
    # charlie guesses alice's password and logs in as himself in between: his guesses still count.
    client = _client()
    _fail(client, username="alice", times=4)
    assert client.post(LOGIN, {"username": "charlie", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))

    assert _fail(client, username="alice").status_code == 429


def test_the_admin_login_is_throttled_too(alice):
    alice.is_staff = True
    alice.save()
    client = _client()
    r = _fail(client, times=4, url=ADMIN_LOGIN)
    assert r.status_code == 200

    r = _fail(client, url=ADMIN_LOGIN)
    assert r.status_code == 429
    assert "Too many failed log-in attempts." in r.content.decode()

    r = client.post(ADMIN_LOGIN, {"username": "alice", "password": PASSWORD, "next": reverse("admin:index")})
    assert r.status_code == 429 and not _logged_in(client)
    assert f'name="next" value="{reverse("admin:index")}"' in r.content.decode()


def test_admin_and_studio_logins_share_one_count(alice):
    client = _client()
    _fail(client, times=3, url=ADMIN_LOGIN)
    _fail(client, times=1)

    assert _fail(client).status_code == 429


def test_x_forwarded_for_is_ignored_unless_trusted(alice, settings):
    # An attacker cannot dodge the address count by writing a new X-Forwarded-For on every try.
    settings.TRUSTED_PROXY_COUNT = 0
    client = _client()
    for i in range(5):
        r = client.post(
            LOGIN, {"username": f"u{i}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}"
        )
    assert r.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_behind_a_trusted_proxy_each_client_has_its_own_count(alice, charlie, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = _client("10.0.0.2")
    for _ in range(5):
        proxy.post(LOGIN, {"username": "nobody", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.1")

    locked = proxy.post(LOGIN, {"username": "charlie", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert locked.status_code == 429
    other = proxy.post(LOGIN, {"username": "charlie", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_scripts_and_the_test_client_log_in_without_a_request(alice, client):
    # authenticate() without a request has no client to count: it is not refused (django-axes would raise).
    assert client.login(username="alice", password=PASSWORD)


def test_a_failed_attempt_keeps_neither_the_password_nor_the_form_token(alice):
    client = Client(REMOTE_ADDR="203.0.113.7", enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(LOGIN).content.decode()).group(1)
    client.post(LOGIN, {"username": "alice", "password": "s3cret-guess", "csrfmiddlewaretoken": token})

    attempt = AccessAttempt.objects.get()
    assert attempt.username == "alice" and attempt.failures_since_start == 1
    assert "s3cret-guess" not in attempt.post_data and token not in attempt.post_data
    assert "password=********************" in attempt.post_data
