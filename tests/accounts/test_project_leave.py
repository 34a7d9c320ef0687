from __future__ import annotations

from django.urls import reverse

from accounts.models import Membership

Role = Membership.Role


def _url(project) -> str:
    return reverse("accounts:project-leave", args=[project.public_id])


def _members(project) -> set[str]:
    return set(Membership.objects.filter(project=project).values_list("user__username", flat=True))


def test_it_works(client, project, bob):
    client.force_login(bob)

    r = client.post(_url(project))

    assert r.status_code == 302
    assert r.url == reverse("accounts:projects")
    assert _members(project) == {"alice"}


def test_it_says_i_left(client, project, bob):
    client.force_login(bob)
    r = client.post(_url(project), follow=True)
    body = r.content.decode()
    assert "You left Launch film." in body
    assert 'href="/accounts/projects/' + str(project.public_id) not in body


def test_a_viewer_can_leave(client, project, viewer):
    client.force_login(viewer)
    client.post(_url(project))
    assert "vera" not in _members(project)


def test_the_last_owner_cannot_leave(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project))

    assert r.status_code == 302
    assert r.url == reverse("accounts:project", args=[project.public_id])
    assert _members(project) == {"alice", "bob"}
    body = client.get(r.url).content.decode()
    assert "alice is the last owner of Launch film. Make someone else an owner first." in body


def test_an_owner_can_leave_when_another_owner_exists(client, alice, project, bob):
    Membership.objects.filter(project=project, user=bob).update(role=Role.OWNER)
    client.force_login(alice)

    client.post(_url(project))

    assert _members(project) == {"bob"}


def test_it_requires_login(client, project, bob):
    r = client.post(_url(project))

    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))
    assert _members(project) == {"alice", "bob"}


def test_it_checks_membership(client, project, charlie):
    client.force_login(charlie)
    assert client.post(_url(project)).status_code == 404


def test_it_rejects_get(client, project, bob):
    client.force_login(bob)

    assert client.get(_url(project)).status_code == 405
    assert "bob" in _members(project)
