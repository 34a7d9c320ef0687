"""Personal API tokens: made for one project (the personal one unless named), stored only as a hash."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.actors import Actor
from api import services
from api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_a_hash(alice):
    row, token = services.token_create(actor=Actor.of_user(alice), user=alice, name="script")

    assert token.startswith(f"sst_{row.prefix}_") and len(token) > 40
    stored = ApiToken.objects.filter(id=row.id).values().get()
    assert token not in str(stored)
    assert stored["secret_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_it_defaults_to_the_personal_project(alice, project):
    row, _ = services.token_create(actor=Actor.of_user(alice), user=alice, name="script")

    assert row.project.is_personal and row.project != project
    assert row.project.memberships.get().user == alice


def test_it_takes_a_project_the_user_is_in(alice, bob, project):
    row, _ = services.token_create(actor=Actor.of_user(bob), user=bob, name="x", project=project, read_only=True)

    assert (row.project, row.scope, row.user) == (project, "read", bob)


def test_it_refuses_a_project_the_user_is_not_in(charlie, project):
    with pytest.raises(ValidationError, match="not a member"):
        services.token_create(actor=Actor.of_user(charlie), user=charlie, name="x", project=project)
    assert not ApiToken.objects.exists()


def test_a_member_cannot_make_a_token_for_someone_else(alice, bob, project):
    with pytest.raises(PermissionDenied):
        services.token_create(actor=Actor.of_user(bob), user=alice, name="x", project=project)


def test_it_sets_the_expiry(alice):
    now = timezone.now()
    row, _ = services.token_create(actor=Actor.of_user(alice), user=alice, name="x", expires_days=30, now=now)

    assert row.expires_at == now + timedelta(days=30)
    assert row.is_usable(now) and not row.is_usable(now + timedelta(days=31))


@pytest.mark.parametrize("days", [0, -1, 100000])
def test_it_refuses_a_senseless_expiry(alice, days):
    with pytest.raises(ValidationError, match="expires after"):
        services.token_create(actor=Actor.of_user(alice), user=alice, name="x", expires_days=days)


def test_revoking_is_once_and_only_by_the_owner(alice, bob):
    row, _ = services.token_create(actor=Actor.of_user(alice), user=alice, name="x")

    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=Actor.of_user(bob), token=row)
    assert services.token_revoke(actor=Actor.of_user(alice), token=row) is True
    assert services.token_revoke(actor=Actor.of_user(alice), token=row) is False
    assert row.revoked_at is not None
