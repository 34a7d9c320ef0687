"""Staff see tokens in the admin (never a secret: none is stored) and can revoke them; nobody adds or edits one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.models import ApiToken
from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db


def test_staff_list_and_revoke_tokens(client, staff, alice, project):
    row, token = make_token(alice, project, name="render farm")

    page = client.get(reverse("admin:api_apitoken_changelist"))

    assert page.status_code == 200
    assert "render farm" in page.content.decode() and token not in page.content.decode()
    r = client.post(reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [row.id]})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_nobody_adds_a_token_in_the_admin(client, staff):
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    assert not ApiToken.objects.exists()
