"""Deleting a character: the project's owner or the character's maker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from characters.models import Character
from tests.characters.helpers import make_character

pytestmark = pytest.mark.django_db


def url(character):
    return reverse("characters:delete", args=[character.public_id])


def test_it_works(client, alice, bob, project, upload):
    mika = make_character(bob, project, upload)
    client.force_login(alice)  # the owner
    response = client.post(url(mika), follow=True)
    assert response.redirect_chain[-1][0] == reverse("characters:cast", args=[project.public_id])
    assert "Mika left the cast" in response.content.decode() and not Character.objects.exists()


def test_another_editor_may_not(client, alice, bob, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(bob)
    assert client.post(url(mika)).status_code == 403
    assert Character.objects.exists()


def test_it_requires_login(client, alice, project, upload):
    mika = make_character(alice, project, upload)
    assert client.post(url(mika)).status_code == 302
    assert Character.objects.exists()


def test_it_checks_membership(client, alice, charlie, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(charlie)
    assert client.post(url(mika)).status_code == 404
    assert Character.objects.exists()


def test_it_requires_editor_role(client, alice, viewer, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(viewer)
    assert client.post(url(mika)).status_code == 403
    assert Character.objects.exists()


def test_it_rejects_get(client, alice, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(alice)
    assert client.get(url(mika)).status_code == 405
