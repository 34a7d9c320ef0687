from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

URL = reverse("login")


@pytest.mark.django_db
def test_it_works(client):
    r = client.get(URL)
    assert r.status_code == 200
    assert b'name="username"' in r.content
    assert b'name="password"' in r.content


def test_it_logs_in_with_the_right_password(client, alice):
    r = client.post(URL, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 302
    assert r.url == reverse("videos:gallery")
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_it_follows_next_after_login(client, alice, project):
    target = reverse("accounts:project", args=[project.public_id])
    r = client.post(URL, {"username": "alice", "password": PASSWORD, "next": target})

    assert r.status_code == 302
    assert r.url == target


def test_it_shows_an_error_for_a_wrong_password(client, alice):
    r = client.post(URL, {"username": "alice", "password": "not the password"})

    assert r.status_code == 200
    assert "Please enter a correct username and password." in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_inactive_user(client, alice):
    alice.is_active = False
    alice.save()

    r = client.post(URL, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def test_pages_that_need_login_send_you_here_with_next(client, alice):
    r = client.get(reverse("accounts:projects"))
    assert r.status_code == 302
    assert r.url == f"{URL}?next={reverse('accounts:projects')}"


def test_logout_rejects_get(client, alice):
    client.force_login(alice)

    assert client.get(reverse("logout")).status_code == 405
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_logout_is_a_post_that_ends_the_session(client, alice):
    client.force_login(alice)

    r = client.post(reverse("logout"))

    assert r.status_code == 302
    assert r.url == URL
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:projects")).status_code == 302


def test_the_nav_offers_a_logout_form_not_a_link(client, alice):
    client.force_login(alice)
    body = client.get(reverse("accounts:projects")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}">' in body
    assert f'href="{reverse("logout")}"' not in body
