"""A character's clip and thumbnail, served to members of its project only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.characters.helpers import make_character

pytestmark = pytest.mark.django_db


def url(character, variant="thumbnail"):
    return reverse("characters:file", args=[character.public_id, variant])


def test_it_works(client, alice, viewer, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(viewer)  # viewers see the cast
    thumbnail = client.get(url(mika))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"
    clip = client.get(url(mika, "clip"), HTTP_RANGE="bytes=0-7")
    assert clip.status_code == 206 and clip["Content-Type"] == "video/mp4"
    assert client.get(url(mika, "spritesheet")).status_code == 404


def test_it_requires_login(client, alice, project, upload):
    assert client.get(url(make_character(alice, project, upload))).status_code == 302


def test_it_checks_membership(client, alice, charlie, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(charlie)
    assert client.get(url(mika)).status_code == 404
    assert client.get(url(mika, "clip")).status_code == 404


def test_it_rejects_post(client, alice, project, upload):
    mika = make_character(alice, project, upload)
    client.force_login(alice)
    assert client.post(url(mika)).status_code == 405
