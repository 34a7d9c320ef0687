"""Our own 403/404/500 pages, in the studio's layout."""

from __future__ import annotations

import uuid

from django.template.loader import render_to_string


def test_404_is_our_page(client, alice):
    client.force_login(alice)
    r = client.get(f"/videos/{uuid.uuid4()}/")
    body = r.content.decode()
    assert r.status_code == 404
    assert "Sora Studio" in body and 'class="nav' in body


def test_403_is_our_page(client, alice, project, viewer):
    client.force_login(viewer)
    r = client.get(f"/projects/{project.public_id}/videos/new/")
    assert r.status_code == 403 and "Sora Studio" in r.content.decode()


def test_500_renders_without_a_request_context():
    # Django renders 500.html with no context processors: it must not need any.
    assert "Sora Studio" in render_to_string("500.html")
