"""The admin lists storyboards, takes and cuts (read-only for cuts: the task makes them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.storyboards.access_table import storyboard_world

pytestmark = pytest.mark.django_db


def test_the_admin_shows_storyboards_takes_and_cuts(staff, client, project, alice, make_video):
    world = storyboard_world(project, alice, make_video)
    for model, obj in (("storyboard", world["storyboard"]), ("take", world["take"]), ("finalcut", world["cut"])):
        listing = client.get(reverse(f"admin:storyboards_{model}_changelist"))
        assert listing.status_code == 200, model
        assert client.get(reverse(f"admin:storyboards_{model}_change", args=[obj.pk])).status_code == 200, model
    assert client.get(reverse("admin:storyboards_finalcut_add")).status_code == 403
