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
    """The path of the one mail's reset link, which starts with SITE_URL (never the request's Host)."""
    from django.conf import settings

    assert len(mailoutbox) == 1
    match = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body)
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


# --- the studio's own mail and pages ----------------------------------------------------------------------------


def test_reset_mail_names_the_studio_and_links_to_site_url_not_the_requests_host(client, alice, mailoutbox, settings):
    settings.SITE_URL = "https://studio.example.com"

    client.post(reverse("password_reset"), {"email": "alice@example.com"}, HTTP_HOST="127.0.0.1")

    mail = mailoutbox[0]
    assert mail.subject == "Reset your Sora Studio password"
    assert "Sora Studio" in mail.body and "https://studio.example.com" in mail.body
    assert re.search(r"^https://studio\.example\.com/accounts/reset/[^/\s]+/[^/\s]+/$", mail.body, re.MULTILINE)
    assert "127.0.0.1" not in mail.body and " team" not in mail.body
    assert "Your username: alice" in mail.body


def _is_studio_page(r, heading: str) -> None:
    body = r.content.decode()
    assert r.status_code == 200
    assert 'class="nav' in body and "· Sora Studio</title>" in body, body[:500]
    assert heading in body
    assert "Django" not in body


def test_every_reset_step_is_a_studio_page(client, alice, mailoutbox):
    _is_studio_page(client.get(reverse("password_reset")), "Reset your password")
    r = client.post(reverse("password_reset"), {"email": "alice@example.com"}, follow=True)
    _is_studio_page(r, "Check your email")
    link = _reset_link(mailoutbox)
    r = client.get(link, follow=True)
    _is_studio_page(r, "Choose a new password")
    r = client.post(r.wsgi_request.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    _is_studio_page(r, "Password set")
    _is_studio_page(client.get(link, follow=True), "This link has expired")


def test_every_change_step_is_a_studio_page(client, alice):
    client.force_login(alice)
    _is_studio_page(client.get(reverse("password_change")), "Change your password")
    r = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    _is_studio_page(r, "Password changed")
