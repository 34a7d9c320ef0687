"""A project's history page: its owners see what was done (and refused) in it, newest first and paginated; other
members get 403, outsiders 404."""

from __future__ import annotations

from django.urls import reverse

from accounts.actors import Actor, ActorKind
from audit.models import Entry
from audit.services import record


def url(project) -> str:
    return reverse("audit:project-history", args=[project.public_id])


def test_it_works(client, alice, bob, project):
    record(actor=Actor(ActorKind.MEMBER, bob, "session", "203.0.113.5"), action="video.delete", project=project,
           target=("video", "v9", "A <b>kite</b>"), outcome="refused", reason="Too weak")  # fmt: skip
    client.force_login(alice)
    r = client.get(url(project))
    assert r.status_code == 200
    body = r.content.decode()
    assert "video.delete" in body and "Refused" in body and "Too weak" in body and "203.0.113.5" in body
    assert "A &lt;b&gt;kite&lt;/b&gt;" in body


def test_it_shows_only_this_project(client, alice, project, charlie):
    other = charlie.projects.get()
    record(actor=Actor.of_user(charlie, "x"), action="secret.action", project=other)
    client.force_login(alice)
    assert "secret.action" not in client.get(url(project)).content.decode()


def test_it_paginates(client, alice, project):
    for i in range(60):
        record(actor=Actor.of_user(alice, "x"), action=f"test.n{i:02d}", project=project)
    client.force_login(alice)
    first = client.get(url(project)).content.decode()
    second = client.get(url(project), {"page": 2}).content.decode()
    assert "test.n59" in first and "test.n00" not in first
    assert "test.n00" in second and "test.n59" not in second


def test_it_is_linked_from_the_project_page_for_owners_only(client, alice, bob, project):
    client.force_login(alice)
    assert url(project) in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    client.force_login(bob)
    assert url(project) not in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()


def test_it_requires_login(client, project):
    r = client.get(url(project))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_it_checks_membership(client, charlie, project):
    client.force_login(charlie)
    assert client.get(url(project)).status_code == 404


def test_it_requires_owner_role(client, bob, project):
    client.force_login(bob)
    assert client.get(url(project)).status_code == 403
    assert Entry.objects.get(action="audit.view").outcome == "refused"


def test_it_rejects_post(client, alice, project):
    client.force_login(alice)
    assert client.post(url(project)).status_code == 405
