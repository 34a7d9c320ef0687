from __future__ import annotations

import uuid

from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Membership
from accounts.services import project_create

Role = Membership.Role


def _url(project, user) -> str:
    return reverse("accounts:member-remove", args=[project.public_id, user.public_id])


def _members(project) -> set[str]:
    return set(Membership.objects.filter(project=project).values_list("user__username", flat=True))


def test_it_works(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project, bob))

    assert r.status_code == 302
    assert r.url == reverse("accounts:project", args=[project.public_id])
    assert _members(project) == {"alice"}
    assert bob.projects.filter(is_personal=True).exists()  # only this membership went


def test_it_says_who_was_removed(client, alice, project, bob):
    client.force_login(alice)
    r = client.post(_url(project, bob), follow=True)
    assert "bob was removed from Launch film." in r.content.decode()


def test_it_refuses_to_remove_the_last_owner(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project, alice), follow=True)

    assert "alice is the last owner of Launch film. Make someone else an owner first." in r.content.decode()
    assert _members(project) == {"alice", "bob"}
    assert Membership.objects.get(project=project, user=alice).role == Role.OWNER


def test_an_owner_can_remove_another_owner(client, alice, project, bob):
    Membership.objects.filter(project=project, user=bob).update(role=Role.OWNER)
    client.force_login(alice)

    client.post(_url(project, bob))

    assert _members(project) == {"alice"}


def test_it_requires_login(client, project, bob):
    r = client.post(_url(project, bob))

    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))
    assert "bob" in _members(project)


def test_it_checks_membership(client, project, bob, charlie):
    client.force_login(charlie)

    assert client.post(_url(project, bob)).status_code == 404
    assert "bob" in _members(project)


def test_it_requires_owner_role_not_editor(client, project, bob, viewer):
    client.force_login(bob)

    assert client.post(_url(project, viewer)).status_code == 403
    assert _members(project) == {"alice", "bob", "vera"}


def test_it_requires_owner_role_not_viewer(client, project, bob, viewer):
    client.force_login(viewer)

    assert client.post(_url(project, bob)).status_code == 403
    assert _members(project) == {"alice", "bob", "vera"}


def test_it_rejects_get(client, alice, project, bob):
    client.force_login(alice)

    assert client.get(_url(project, bob)).status_code == 405
    assert "bob" in _members(project)


def test_it_404s_for_someone_who_is_not_in_the_project(client, alice, project, charlie):
    client.force_login(alice)
    assert client.post(_url(project, charlie)).status_code == 404
    assert Membership.objects.filter(user=charlie).count() == 1  # charlie's personal project untouched


def test_it_404s_for_an_unknown_member_id(client, alice, project):
    client.force_login(alice)
    url = reverse("accounts:member-remove", args=[project.public_id, uuid.uuid4()])
    assert client.post(url).status_code == 404


def test_it_cannot_reach_a_member_of_another_project_through_my_project(client, alice, project, bob):
    other = project_create(actor=Actor.of_user(alice), name="Other film")
    client.force_login(alice)

    assert client.post(_url(other, bob)).status_code == 404
    assert "bob" in _members(project)
