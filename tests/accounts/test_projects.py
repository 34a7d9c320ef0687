from __future__ import annotations

import re
import uuid

from django.urls import reverse

from accounts.models import Membership

URL = reverse("accounts:projects")


def _project_hrefs(body: str) -> list[str]:
    """Links to a project page (the nav's own link to this page left out)."""
    return re.findall(r'href="(/accounts/projects/[^"]+)"', body)


def test_it_works(client, alice, project):
    client.force_login(alice)

    r = client.get(URL)

    assert r.status_code == 200
    body = r.content.decode()
    assert "Launch film" in body
    assert "alice&#x27;s videos" in body
    assert 'action="/accounts/projects/new/"' in body


def test_it_requires_login(client, db):
    r = client.get(URL)
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_it_rejects_post(client, alice):
    client.force_login(alice)
    assert client.post(URL, {"name": "Sneaky"}).status_code == 405


def test_it_lists_only_my_projects(client, alice, project, charlie):
    client.force_login(charlie)

    body = client.get(URL).content.decode()

    assert "charlie&#x27;s videos" in body
    assert "Launch film" not in body
    assert "alice&#x27;s videos" not in body
    assert len(_project_hrefs(body)) == 1


def test_it_shows_my_role_in_each_project(client, bob, project):
    client.force_login(bob)

    r = client.get(URL)

    roles = {m.project.name: m.role for m in r.context["memberships"]}
    assert roles == {"Launch film": Membership.Role.EDITOR, "bob's videos": Membership.Role.OWNER}
    assert b"Editor" in r.content


def test_its_links_use_the_public_id_never_the_pk(client, alice, project):
    client.force_login(alice)

    hrefs = _project_hrefs(client.get(URL).content.decode())

    assert f"/accounts/projects/{project.public_id}/" in hrefs
    for p in alice.projects.all():
        assert f"/accounts/projects/{p.pk}/" not in hrefs
    for href in hrefs:
        segment = href.removeprefix("/accounts/projects/").split("/")[0]
        assert segment == "new" or uuid.UUID(segment)
