"""The settings page for API tokens: list, create (shown once), revoke."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.services import token_hash
from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db


def test_it_works(client, alice, project):
    make_token(alice, project, name="nightly renders")
    client.force_login(alice)

    r = client.get(reverse("api:tokens"))

    assert r.status_code == 200
    page = r.content.decode()
    assert "nightly renders" in page and "Launch film" in page and "never" in page
    assert reverse("api:guide") in page


def test_it_requires_login(client):
    r = client.get(reverse("api:tokens"))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_it_lists_only_my_tokens(client, alice, bob, project):
    make_token(bob, project, name="bobs script")
    client.force_login(alice)

    assert "bobs script" not in client.get(reverse("api:tokens")).content.decode()


def test_create_shows_the_token_once(client, alice, project):
    client.force_login(alice)

    r = client.post(reverse("api:token-create"), {"name": "ci", "project": str(project.public_id), "read_only": "1",
                                                  "expires_days": "30"})  # fmt: skip

    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    row = ApiToken.objects.get()
    page = r.content.decode()
    token = re.search(r'id="new-token"[^>]*>(sst_[^<]+)<', page).group(1)
    assert row.secret_hash == token_hash(token)
    assert (row.name, row.project, row.scope, row.user) == ("ci", project, "read", alice)
    assert token not in client.get(reverse("api:tokens")).content.decode()


def test_create_requires_login(client, project):
    r = client.post(reverse("api:token-create"), {"name": "ci", "project": str(project.public_id), "read_only": "0"})
    assert r.status_code == 302 and not ApiToken.objects.exists()


def test_create_checks_membership(client, charlie, project):
    client.force_login(charlie)

    r = client.post(reverse("api:token-create"), {"name": "ci", "project": str(project.public_id), "read_only": "0"})

    assert r.status_code == 400 and not ApiToken.objects.exists()


def test_create_rejects_get(client, alice):
    client.force_login(alice)
    assert client.get(reverse("api:token-create")).status_code == 405


def test_revoke(client, alice, project):
    row, _ = make_token(alice, project)
    client.force_login(alice)

    r = client.post(reverse("api:token-revoke", args=[row.public_id]))

    assert r.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_revoke_checks_ownership(client, alice, bob, project):
    row, _ = make_token(bob, project)
    client.force_login(alice)

    assert client.post(reverse("api:token-revoke", args=[row.public_id])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_revoke_requires_login(client, alice):
    row, _ = make_token(alice)
    assert client.post(reverse("api:token-revoke", args=[row.public_id])).status_code == 302


def test_revoke_rejects_get(client, alice):
    row, _ = make_token(alice)
    client.force_login(alice)
    assert client.get(reverse("api:token-revoke", args=[row.public_id])).status_code == 405
