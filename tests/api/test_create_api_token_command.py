"""python manage.py create_api_token USERNAME [--project P] [--expires DAYS] [--read-only]"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiToken
from api.services import token_hash

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_it_prints_a_working_token_for_the_personal_project(alice):
    token = _run("alice")

    row = ApiToken.objects.get()
    assert row.secret_hash == token_hash(token)
    assert (row.user, row.project.is_personal, row.scope, row.expires_at) == (alice, True, "write", None)


def test_it_takes_a_project_by_name_or_id_expiry_and_read_only(alice, bob, project):
    _run("bob", "--project", "launch film", "--expires", "7", "--read-only")
    _run("bob", "--project", str(project.public_id))

    first, second = ApiToken.objects.order_by("id")
    assert (first.project, first.scope, second.project) == (project, "read", project)
    assert first.expires_at is not None and second.expires_at is None


def test_it_refuses_an_unknown_user_or_a_foreign_project(alice, charlie, project):
    with pytest.raises(CommandError, match="No user"):
        _run("nobody")
    with pytest.raises(CommandError, match="not a member"):
        _run("charlie", "--project", "Launch film")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_user(alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(CommandError, match="deactivated"):
        _run("alice")
