"""Project names: a duplicate among the projects one owns is refused with a clear error; where names still collide
(someone else's project of the same name), menus add the owner (issue item 16)."""

from __future__ import annotations

import html

from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Membership, Project
from accounts.services import project_create


def test_a_duplicate_name_among_my_own_projects_is_refused(client, alice, project):
    client.force_login(alice)

    r = client.post(reverse("accounts:project-create"), {"name": "  launch FILM "})

    assert r.status_code == 400
    body = html.unescape(r.content.decode())
    assert "You already own a project called “launch FILM”" in body and "field-invalid" in body
    assert Project.objects.filter(name__iexact="launch film").count() == 1


def test_the_same_name_as_someone_elses_project_is_allowed_and_told_apart(client, alice, bob, project):
    # bob is an editor of alice's "Launch film" and makes his own "Launch film".
    client.force_login(bob)
    r = client.post(reverse("accounts:project-create"), {"name": "Launch film"})
    assert r.status_code == 302
    mine = Project.objects.get(name="Launch film", memberships__user=bob, memberships__role="owner")

    body = html.unescape(client.get(reverse("accounts:projects")).content.decode())
    assert "Launch film · owned by alice" in body and "Launch film · owned by you" in body

    gallery = html.unescape(client.get(reverse("videos:gallery")).content.decode())
    menu = gallery[gallery.index("dropdown-menu") :]
    menu = menu[: menu.index("</div>")]
    assert "in Launch film · owned by alice" in menu and "in Launch film · owned by you" in menu
    assert reverse("videos:create", args=[mine.public_id]) in menu


def test_names_that_do_not_collide_stay_plain(client, alice, project):
    client.force_login(alice)
    body = html.unescape(client.get(reverse("accounts:projects")).content.decode())
    assert ">Launch film</a>" in body and "owned by" not in body


def test_two_same_named_projects_of_one_owner_from_before_get_their_dates(client, alice, project):
    older = Project.objects.create(name="Launch film")  # made before names were checked
    Membership.objects.create(user=alice, project=older, role="owner")
    client.force_login(alice)
    body = html.unescape(client.get(reverse("accounts:projects")).content.decode())
    assert body.count("Launch film · owned by you · created") == 2


def test_the_service_refuses_it_too(alice, project):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        project_create(actor=Actor.of_user(alice), name="LAUNCH FILM")
    assert "name" in err.value.error_dict
