from __future__ import annotations

from django.urls import reverse

from accounts.models import Membership, Project

URL = reverse("accounts:project-create")


def test_it_works(client, alice):
    client.force_login(alice)

    r = client.post(URL, {"name": "  Trailer  "})

    project = Project.objects.get(name="Trailer")
    assert r.status_code == 302
    assert r.url == reverse("accounts:project", args=[project.public_id])
    assert not project.is_personal
    membership = Membership.objects.get(project=project)
    assert (membership.user, membership.role) == (alice, Membership.Role.OWNER)


def test_it_says_i_am_the_owner(client, alice):
    client.force_login(alice)
    r = client.post(URL, {"name": "Trailer"}, follow=True)
    assert "Project “Trailer” created. You are its owner." in r.content.decode()
    assert "You are owner here." in r.content.decode()


def test_it_requires_login(client, db):
    r = client.post(URL, {"name": "Trailer"})

    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))
    assert not Project.objects.exists()


def test_it_rejects_get(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 405


def test_it_rejects_an_empty_name(client, alice):
    client.force_login(alice)
    before = Project.objects.count()

    r = client.post(URL, {"name": "   "})

    assert r.status_code == 400
    assert "This field is required." in r.content.decode()
    assert Project.objects.count() == before


def test_it_rejects_a_name_over_100_characters(client, alice):
    client.force_login(alice)
    before = Project.objects.count()

    r = client.post(URL, {"name": "x" * 101})

    assert r.status_code == 400
    assert "Ensure this value has at most 100 characters" in r.content.decode()
    assert Project.objects.count() == before


def test_it_still_lists_my_projects_when_the_form_is_wrong(client, alice, project):
    client.force_login(alice)
    r = client.post(URL, {"name": ""})
    assert "Launch film" in r.content.decode()
