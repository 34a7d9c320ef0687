from __future__ import annotations

import re

from django.urls import reverse

from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new sturdy passphrase"


# --- change ---------------------------------------------------------------------------------------------------


def test_change_works(client, alice):
    client.force_login(alice)
    assert client.get(reverse("password_change")).status_code == 200

    r = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert r.status_code == 302
    assert r.url == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # The session survives the change (update_session_auth_hash).
    assert client.get(reverse("password_change_done")).status_code == 200


def test_change_requires_login(client, db):
    r = client.get(reverse("password_change"))
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_change_rejects_a_wrong_old_password(client, alice):
    client.force_login(alice)

    r = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert r.status_code == 200
    assert "Your old password was entered incorrectly." in r.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_change_rejects_a_weak_new_password(client, alice):
    client.force_login(alice)

    r = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )

    assert r.status_code == 200
    assert "This password is entirely numeric." in r.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- reset ----------------------------------------------------------------------------------------------------


def _reset_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    match = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match.group(1)


def test_reset_sends_an_email_whose_link_sets_a_new_password(client, alice, mailoutbox):
    r = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert r.status_code == 302
    assert r.url == reverse("password_reset_done")
    assert mailoutbox[0].to == ["alice@example.com"]
    link = _reset_link(mailoutbox)

    r = client.get(link)  # Django swaps the token for a session and redirects to .../set-password/
    assert r.status_code == 302
    r = client.get(r.url)
    assert b"Choose a new password" in r.content
    r = client.post(r.wsgi_request.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert r.status_code == 302
    assert r.url == reverse("password_reset_complete")

    r = client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk
    alice.refresh_from_db()
    assert not alice.check_password(PASSWORD)


def test_reset_matches_the_email_whatever_its_case(client, alice, mailoutbox):
    client.post(reverse("password_reset"), {"email": "ALICE@Example.COM"})
    assert mailoutbox[0].to == ["alice@example.com"]


def test_reset_link_works_only_once(client, alice, mailoutbox):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    link = _reset_link(mailoutbox)
    set_url = client.get(link).url
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    r = client.get(link, follow=True)

    assert b"This link has expired" in r.content


def test_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client, alice, mailoutbox):
    r = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert r.status_code == 302
    assert r.url == reverse("password_reset_done")
    assert mailoutbox == []
