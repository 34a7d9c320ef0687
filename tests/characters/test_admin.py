"""The cast in the admin: listed and readable (with each provider's id), renamed under the same unique rule; never
added there (a character is made from a checked clip)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from characters.models import Character, CharacterUpload
from tests.characters.helpers import make_character

pytestmark = pytest.mark.django_db


def test_staff_see_the_cast_and_each_providers_id(client, staff, alice, project, upload, simulator):
    mika = make_character(alice, project, upload)
    CharacterUpload.objects.create(character=mika, provider=simulator, upstream_id="char_0123abcd")
    assert "Mika" in client.get(reverse("admin:characters_character_changelist")).content.decode()
    page = client.get(reverse("admin:characters_character_change", args=[mika.id])).content.decode()
    assert "char_0123abcd" in page and "720" in page
    assert client.get(reverse("admin:characters_character_add")).status_code == 403


def test_a_rename_keeps_names_unique_in_the_project(client, staff, alice, project, upload):
    make_character(alice, project, upload, "Mika")
    jo = make_character(alice, project, upload, "Jo")
    url = reverse("admin:characters_character_change", args=[jo.id])
    response = client.post(url, {"name": "MIKA", "uploads-TOTAL_FORMS": 0, "uploads-INITIAL_FORMS": 0})
    assert response.status_code == 200 and "already has a character called" in response.content.decode()
    assert Character.objects.get(id=jo.id).name == "Jo"
