"""The cast page: every member sees the project's characters with thumbnails; editors get the form to add one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.characters.helpers import make_character

pytestmark = pytest.mark.django_db


def url(project):
    return reverse("characters:cast", args=[project.public_id])


def test_it_works(client, alice, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(alice)
    page = client.get(url(project)).content.decode()
    assert "Mika" in page and reverse("characters:file", args=[mika.public_id, "thumbnail"]) in page
    assert 'name="clip"' in page and reverse("characters:delete", args=[mika.public_id]) in page


def test_viewers_see_the_cast_without_the_forms(client, alice, viewer, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(viewer)
    response = client.get(url(project))
    page = response.content.decode()
    assert response.status_code == 200 and "Mika" in page
    assert 'name="clip"' not in page and reverse("characters:delete", args=[mika.public_id]) not in page


def test_an_editor_may_delete_only_the_characters_they_made(client, alice, bob, project, upload):
    alices, bobs = make_character(alice, project, upload, "Mika"), make_character(bob, project, upload, "Jo")
    client.force_login(bob)
    page = client.get(url(project)).content.decode()
    assert reverse("characters:delete", args=[bobs.public_id]) in page
    assert reverse("characters:delete", args=[alices.public_id]) not in page


def test_it_requires_login(client, project):
    assert client.get(url(project)).status_code == 302


def test_it_checks_membership(client, charlie, project):
    client.force_login(charlie)
    assert client.get(url(project)).status_code == 404


def test_it_rejects_post(client, alice, project):
    client.force_login(alice)
    assert client.post(url(project)).status_code == 405


def test_a_long_cast_goes_page_by_page(client, alice, project, upload, monkeypatch):
    from characters import views

    monkeypatch.setattr(views, "CAST_PAGE_SIZE", 2)
    for name in ("Ana", "Bo", "Cy"):
        make_character(alice, project, upload, name)
    client.force_login(alice)

    first = client.get(url(project)).content.decode()
    second = client.get(url(project), {"page": 2}).content.decode()
    beyond = client.get(url(project), {"page": "99"})

    assert 'data-character="Ana"' in first and 'data-character="Bo"' in first and 'data-character="Cy"' not in first
    assert 'data-character="Cy"' in second and 'data-character="Ana"' not in second
    assert '<span class="count">3</span>' in first and "Page 1 of 2" in first
    assert beyond.status_code == 200 and 'data-character="Cy"' in beyond.content.decode()  # the last page
