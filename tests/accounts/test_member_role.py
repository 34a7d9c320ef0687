from __future__ import annotations

import uuid

from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Membership
from accounts.services import project_create

Role = Membership.Role


def _url(project, user) -> str:
    return reverse("accounts:member-role", args=[project.public_id, user.public_id])


def _role(project, user) -> str:
    return Membership.objects.get(project=project, user=user).role


def test_it_works(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project, bob), {"role": "viewer"})

    assert r.status_code == 302
    assert r.url == reverse("accounts:project", args=[project.public_id])
    assert _role(project, bob) == Role.VIEWER


def test_it_says_what_changed(client, alice, project, bob):
    client.force_login(alice)
    r = client.post(_url(project, bob), {"role": "owner"}, follow=True)
    assert "bob is now owner." in r.content.decode()
    assert _role(project, bob) == Role.OWNER


def test_it_refuses_to_demote_the_last_owner(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project, alice), {"role": "editor"}, follow=True)

    assert "alice is the last owner of Launch film. Make someone else an owner first." in r.content.decode()
    assert _role(project, alice) == Role.OWNER


def test_an_owner_can_demote_themself_when_another_owner_exists(client, alice, project, bob):
    Membership.objects.filter(project=project, user=bob).update(role=Role.OWNER)
    client.force_login(alice)

    client.post(_url(project, alice), {"role": "viewer"})

    assert _role(project, alice) == Role.VIEWER
    assert _role(project, bob) == Role.OWNER
    # Now a viewer, alice can no longer manage members.
    assert client.post(_url(project, bob), {"role": "viewer"}).status_code == 403


def test_it_rejects_an_unknown_role(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project, bob), {"role": "boss"}, follow=True)

    assert "Choose a role: viewer, editor or owner." in r.content.decode()
    assert _role(project, bob) == Role.EDITOR


def test_it_requires_login(client, project, bob):
    r = client.post(_url(project, bob), {"role": "owner"})

    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))
    assert _role(project, bob) == Role.EDITOR


def test_it_checks_membership(client, alice, project, charlie):
    client.force_login(charlie)

    r = client.post(_url(project, alice), {"role": "viewer"})

    assert r.status_code == 404
    assert _role(project, alice) == Role.OWNER


def test_it_requires_owner_role_not_editor(client, project, bob):
    client.force_login(bob)

    r = client.post(_url(project, bob), {"role": "owner"})

    assert r.status_code == 403
    assert _role(project, bob) == Role.EDITOR


def test_it_requires_owner_role_not_viewer(client, project, viewer):
    client.force_login(viewer)

    r = client.post(_url(project, viewer), {"role": "owner"})

    assert r.status_code == 403
    assert _role(project, viewer) == Role.VIEWER


def test_it_rejects_get(client, alice, project, bob):
    client.force_login(alice)
    assert client.get(_url(project, bob)).status_code == 405


def test_it_404s_for_someone_who_is_not_in_the_project(client, alice, project, charlie):
    client.force_login(alice)

    r = client.post(_url(project, charlie), {"role": "viewer"})

    assert r.status_code == 404
    assert not Membership.objects.filter(project=project, user=charlie).exists()


def test_it_404s_for_an_unknown_member_id(client, alice, project):
    client.force_login(alice)
    url = reverse("accounts:member-role", args=[project.public_id, uuid.uuid4()])
    assert client.post(url, {"role": "viewer"}).status_code == 404


def test_it_cannot_reach_a_member_of_another_project_through_my_project(client, alice, project, bob):
    # alice owns both projects; bob is only in "Launch film". Mixing the two in one URL must not touch bob.
    other = project_create(actor=Actor.of_user(alice), name="Other film")
    client.force_login(alice)

    r = client.post(_url(other, bob), {"role": "owner"})

    assert r.status_code == 404
    assert _role(project, bob) == Role.EDITOR
    assert not Membership.objects.filter(project=other, user=bob).exists()


def test_it_cannot_reach_a_project_i_am_not_in_through_a_member_i_share(client, alice, project, bob):
    # bob's personal project, with alice's membership id: alice is not in it, so 404.
    bobs = Membership.objects.get(user=bob, project__is_personal=True).project
    client.force_login(alice)

    r = client.post(_url(bobs, bob), {"role": "viewer"})

    assert r.status_code == 404
    assert _role(bobs, bob) == Role.OWNER
