from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, Project, User
from tests.conftest import PASSWORD

URL = reverse("accounts:signup")


def _form(**overrides) -> dict:
    data = {"username": "dana", "email": "dana@example.com", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_it_works(client):
    r = client.get(URL)
    assert r.status_code == 200
    assert b"Create your account" in r.content
    assert b'name="email"' in r.content


@pytest.mark.django_db
def test_it_creates_the_user_and_their_personal_project_and_logs_them_in(client):
    r = client.post(URL, _form())

    assert r.status_code == 302
    assert r.url == reverse("videos:gallery")
    user = User.objects.get(username="dana")
    assert user.email == "dana@example.com"
    assert user.check_password(PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.project.is_personal
    assert membership.project.name == "dana's videos"


@pytest.mark.django_db
def test_it_welcomes_the_new_user(client):
    r = client.post(URL, _form(), follow=True)
    assert "Welcome, dana! Your personal project is ready." in r.content.decode()


def test_it_rejects_a_duplicate_username_whatever_its_case(client, alice):
    r = client.post(URL, _form(username="ALICE"))

    assert r.status_code == 200
    assert "A user with that username already exists." in r.content.decode()
    assert User.objects.count() == 1
    assert Project.objects.count() == 1  # alice's personal project only


def test_it_rejects_a_duplicate_email_whatever_its_case(client, alice):
    r = client.post(URL, _form(email="Alice@EXAMPLE.com"))

    assert r.status_code == 200
    assert "A user with that email already exists." in r.content.decode()
    assert not User.objects.filter(username="dana").exists()
    assert Project.objects.count() == 1


@pytest.mark.django_db
def test_it_rejects_mismatched_passwords(client):
    r = client.post(URL, _form(password2=PASSWORD + "!"))

    assert r.status_code == 200
    assert "The two password fields didn’t match." in r.content.decode()
    assert not User.objects.exists()
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_it_rejects_a_weak_password(client):
    r = client.post(URL, _form(password1="password", password2="password"))

    assert r.status_code == 200
    assert "This password is too common." in r.content.decode()
    assert not User.objects.exists()
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_it_requires_an_email(client):
    r = client.post(URL, _form(email=""))

    assert r.status_code == 200
    assert "This field is required." in r.content.decode()
    assert not User.objects.exists()


def test_it_sends_a_signed_in_user_to_the_studio(client, alice):
    client.force_login(alice)
    r = client.get(URL)
    assert r.status_code == 302
    assert r.url == reverse("videos:gallery")


@pytest.mark.django_db
def test_it_rejects_put(client):
    assert client.put(URL).status_code == 405


@pytest.mark.django_db
def test_it_is_404_when_signup_is_closed(client, settings):
    settings.SIGNUP_OPEN = False

    assert client.get(URL).status_code == 404
    assert client.post(URL, _form()).status_code == 404
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_nav_and_login_page_link_to_signup_when_it_is_open(client, settings):
    settings.SIGNUP_OPEN = True
    r = client.get(reverse("login"))
    assert f'href="{URL}"'.encode() in r.content


@pytest.mark.django_db
def test_the_nav_and_login_page_hide_the_signup_link_when_it_is_closed(client, settings):
    settings.SIGNUP_OPEN = False
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert URL.encode() not in r.content
    assert b"Sign up" not in r.content
