from __future__ import annotations

import uuid

from django.urls import reverse


def _url(project) -> str:
    return reverse("accounts:project", args=[project.public_id])


def test_it_works(client, alice, project, bob, viewer):
    client.force_login(alice)

    r = client.get(_url(project))

    assert r.status_code == 200
    body = r.content.decode()
    assert "<h1>Launch film</h1>" in body
    assert "You are owner here." in body
    for name in ("alice", "bob", "vera"):
        assert f"{name}@example.com" in body
    assert reverse("accounts:member-add", args=[project.public_id]) in body
    assert reverse("accounts:member-role", args=[project.public_id, bob.public_id]) in body
    assert reverse("accounts:member-remove", args=[project.public_id, bob.public_id]) in body


def test_it_requires_login(client, project):
    r = client.get(_url(project))
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_it_checks_membership(client, project, charlie):
    client.force_login(charlie)
    assert client.get(_url(project)).status_code == 404


def test_it_rejects_post(client, alice, project):
    client.force_login(alice)
    assert client.post(_url(project)).status_code == 405


def test_it_shows_members_but_no_owner_controls_to_an_editor(client, project, bob):
    client.force_login(bob)

    r = client.get(_url(project))

    assert r.status_code == 200
    body = r.content.decode()
    assert "You are editor here." in body
    assert "alice@example.com" in body
    assert "/members/add/" not in body
    assert "/role/" not in body
    assert "/remove/" not in body
    assert reverse("accounts:project-leave", args=[project.public_id]) in body


def test_it_shows_members_but_no_owner_controls_to_a_viewer(client, project, viewer):
    client.force_login(viewer)

    r = client.get(_url(project))

    assert r.status_code == 200
    assert "You are viewer here." in r.content.decode()
    assert b"/members/add/" not in r.content


def test_it_404s_on_an_integer_id(client, alice, project):
    client.force_login(alice)
    assert client.get(f"/accounts/projects/{project.pk}/").status_code == 404


def test_it_404s_on_an_unknown_public_id(client, alice, project):
    client.force_login(alice)
    assert client.get(reverse("accounts:project", args=[uuid.uuid4()])).status_code == 404


def test_its_page_does_not_show_integer_ids(client, alice, project, bob):
    client.force_login(alice)
    body = client.get(_url(project)).content.decode()
    assert f"/projects/{project.pk}/" not in body
    assert f"/members/{bob.pk}/" not in body


def test_it_leads_to_the_projects_videos_for_every_member(client, project, viewer):
    client.force_login(viewer)
    body = client.get(_url(project)).content.decode()
    assert reverse("videos:project-gallery", args=[project.public_id]) in body
    projects = client.get(reverse("accounts:projects")).content.decode()
    assert reverse("videos:project-gallery", args=[project.public_id]) in projects
