"""The page showing a member how to use a token with the SDK: a snippet with this studio's base_url."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_works(client, alice, settings):
    settings.ALLOWED_HOSTS = ["studio.example.org"]
    client.force_login(alice)

    r = client.get(reverse("api:guide"), HTTP_HOST="studio.example.org")

    assert r.status_code == 200
    page = r.content.decode()
    assert 'OpenAI(base_url="http://studio.example.org/v1"' in page
    assert "create_and_poll" in page and 'data-copy="#snippet-python"' in page
    assert "create_character" in page and 'extra_body={"characters"' in page
    assert reverse("api:tokens") in page and reverse("api:openapi") in page


def test_it_is_linked_from_the_settings_page(client, alice):
    client.force_login(alice)

    assert reverse("api:guide") in client.get(reverse("api:tokens")).content.decode()


def test_it_requires_login(client):
    r = client.get(reverse("api:guide"))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_it_rejects_post(client, alice):
    client.force_login(alice)
    assert client.post(reverse("api:guide")).status_code == 405
