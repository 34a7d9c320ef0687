"""Reset mails are limited per address and per client, per hour, and the page never tells whether an account
exists: over a limit the answer is the same "if an account uses that address" page, and no mail goes out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PasswordResetRequest
from tests.conftest import make_user

URL = reverse("password_reset")
DONE = reverse("password_reset_done")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 3
    settings.PASSWORD_RESET_MAX_PER_CLIENT = 10
    settings.TRUSTED_PROXY_COUNT = 0


def _ask(client: Client, email: str):
    r = client.post(URL, {"email": email})
    assert r.status_code == 302 and r.url == DONE  # always the same answer
    return r


def test_one_address_gets_at_most_three_mails_an_hour(alice, mailoutbox):
    for i in range(10):
        _ask(Client(REMOTE_ADDR=f"198.51.100.{i + 1}"), "alice@example.com")  # from ten places: still three

    assert len(mailoutbox) == 3
    assert all(m.to == ["alice@example.com"] for m in mailoutbox)


def test_the_address_counts_whatever_its_case(alice, mailoutbox):
    client = Client(REMOTE_ADDR="198.51.100.1")
    for email in ("alice@example.com", "ALICE@example.com", " Alice@Example.COM", "alice@EXAMPLE.com"):
        client.post(URL, {"email": email})
    assert len(mailoutbox) == 3


def test_one_client_gets_at_most_ten_requests_an_hour(db, mailoutbox):
    for i in range(12):
        make_user(f"user{i}")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(12):
        _ask(client, f"user{i}@example.com")

    assert len(mailoutbox) == 10
    # Another client is not held back by that one.
    _ask(Client(REMOTE_ADDR="203.0.113.8"), "user11@example.com")
    assert len(mailoutbox) == 11


def test_unknown_addresses_count_for_the_client_and_look_the_same(alice, mailoutbox):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(10):
        _ask(client, f"nobody{i}@example.com")
    assert mailoutbox == []

    _ask(client, "alice@example.com")  # the client is over its limit now
    assert mailoutbox == []


def test_the_limits_are_per_hour(alice, mailoutbox):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        _ask(client, "alice@example.com")
    assert len(mailoutbox) == 3

    PasswordResetRequest.objects.update(created_at=PasswordResetRequest.objects.first().created_at - timedelta(minutes=61))
    _ask(client, "alice@example.com")

    assert len(mailoutbox) == 4
    assert PasswordResetRequest.objects.count() == 1  # rows older than the hour are dropped


def test_the_done_page_looks_the_same_over_the_limit(alice, client):
    first = client.post(URL, {"email": "alice@example.com"}, follow=True).content
    for _ in range(5):
        last = client.post(URL, {"email": "alice@example.com"}, follow=True).content
    assert last == first
    assert b"If an account uses that address" in last


def test_no_address_is_stored_in_clear(alice):
    Client(REMOTE_ADDR="203.0.113.7").post(URL, {"email": "alice@example.com"})
    row = PasswordResetRequest.objects.get()
    assert "alice" not in row.email_digest and len(row.email_digest) == 64
    assert row.ip_address == "203.0.113.7" and row.allowed


def test_a_bad_address_sends_nothing_and_records_nothing(alice, client, mailoutbox):
    r = client.post(URL, {"email": "not an address"})
    assert r.status_code == 200 and b"Enter a valid email address." in r.content
    assert mailoutbox == [] and not PasswordResetRequest.objects.exists()
