from __future__ import annotations

from django.urls import reverse

from accounts.models import Membership

Role = Membership.Role


def _url(project) -> str:
    return reverse("accounts:member-add", args=[project.public_id])


def _roles(project) -> dict[str, str]:
    return dict(Membership.objects.filter(project=project).values_list("user__username", "role"))


def test_it_works(client, alice, project, charlie):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "charlie", "role": "editor"})

    assert r.status_code == 302
    assert r.url == reverse("accounts:project", args=[project.public_id])
    assert _roles(project) == {"alice": Role.OWNER, "charlie": Role.EDITOR}


def test_it_says_who_joined_as_what(client, alice, project, charlie):
    client.force_login(alice)
    r = client.post(_url(project), {"identifier": "charlie", "role": "viewer"}, follow=True)
    assert "charlie joined Launch film as viewer." in r.content.decode()


def test_it_finds_the_user_by_username_whatever_its_case(client, alice, project, charlie):
    client.force_login(alice)
    client.post(_url(project), {"identifier": "  Charlie ", "role": "editor"})
    assert _roles(project)["charlie"] == Role.EDITOR


def test_it_finds_the_user_by_email_whatever_its_case(client, alice, project, charlie):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "CHARLIE@Example.com", "role": "viewer"})

    assert r.status_code == 302
    assert _roles(project)["charlie"] == Role.VIEWER


def test_it_can_add_another_owner(client, alice, project, charlie):
    client.force_login(alice)
    client.post(_url(project), {"identifier": "charlie", "role": "owner"})
    assert _roles(project)["charlie"] == Role.OWNER


def test_it_explains_an_unknown_user_and_changes_nothing(client, alice, project):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "nobody", "role": "editor"})

    assert r.status_code == 400
    assert "No active user is called “nobody”." in r.content.decode()
    assert _roles(project) == {"alice": Role.OWNER}


def test_it_explains_an_unknown_email_and_changes_nothing(client, alice, project):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "nobody@example.com", "role": "editor"})

    assert r.status_code == 400
    assert "No active user is called “nobody@example.com”." in r.content.decode()
    assert _roles(project) == {"alice": Role.OWNER}


def test_it_does_not_add_an_inactive_user(client, alice, project, charlie):
    charlie.is_active = False
    charlie.save()
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "charlie", "role": "editor"})

    assert r.status_code == 400
    assert _roles(project) == {"alice": Role.OWNER}


def test_it_explains_an_existing_member_and_changes_nothing(client, alice, project, bob):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "bob@example.com", "role": "owner"})

    assert r.status_code == 400
    assert "bob is already a member of Launch film." in r.content.decode()
    assert _roles(project) == {"alice": Role.OWNER, "bob": Role.EDITOR}


def test_it_rejects_an_unknown_role(client, alice, project, charlie):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "charlie", "role": "admin"})

    assert r.status_code == 400
    assert "Select a valid choice." in r.content.decode()
    assert "charlie" not in _roles(project)


def test_it_requires_an_identifier(client, alice, project):
    client.force_login(alice)

    r = client.post(_url(project), {"identifier": "", "role": "editor"})

    assert r.status_code == 400
    assert "This field is required." in r.content.decode()


def test_it_requires_login(client, project, charlie):
    r = client.post(_url(project), {"identifier": "charlie", "role": "editor"})

    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))
    assert "charlie" not in _roles(project)


def test_it_checks_membership(client, project, charlie):
    client.force_login(charlie)

    r = client.post(_url(project), {"identifier": "charlie", "role": "owner"})

    assert r.status_code == 404
    assert "charlie" not in _roles(project)


def test_it_requires_owner_role_not_editor(client, project, bob, charlie):
    client.force_login(bob)

    r = client.post(_url(project), {"identifier": "charlie", "role": "editor"})

    assert r.status_code == 403
    assert "charlie" not in _roles(project)


def test_it_requires_owner_role_not_viewer(client, project, viewer, charlie):
    client.force_login(viewer)

    r = client.post(_url(project), {"identifier": "charlie", "role": "editor"})

    assert r.status_code == 403
    assert "This needs the owner role in Launch film." in r.content.decode()
    assert "charlie" not in _roles(project)


def test_it_rejects_get(client, alice, project):
    client.force_login(alice)
    assert client.get(_url(project)).status_code == 405
