"""The first admin and the health check, as the README's first command uses them."""

from __future__ import annotations

import io
import re

from django.contrib.auth import get_user_model
from django.core.management import call_command


def test_ensure_admin_creates_the_first_admin_once_and_prints_a_working_password(db, client):
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(password)
    assert client.login(username="admin", password=password)
    assert admin.projects.filter(is_personal=True).exists()

    again = io.StringIO()
    call_command("ensure_admin", stdout=again)
    assert "exists already" in again.getvalue() and "password:" not in again.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_healthz_answers_without_login(client, db):
    r = client.get("/healthz/")
    assert r.status_code == 200 and r.json()["status"] == "ok"  # each check: tests/deploy/test_healthz.py
