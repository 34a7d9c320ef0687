"""The admin says Sora Studio, and its model names read as English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_user


@pytest.fixture
def operator(db):
    return make_user("olga", is_staff=True, is_superuser=True)


def test_the_admin_is_sora_studio_admin(client, operator):
    client.force_login(operator)
    body = client.get(reverse("admin:index")).content.decode()

    assert "<title>Studio administration | Sora Studio admin</title>" in body
    assert '<a href="/admin/">Sora Studio admin</a>' in body
    assert "Django administration" not in body and "Django site admin" not in body


def test_the_admin_login_page_is_branded_too(client, db):
    body = client.get(reverse("admin:login")).content.decode()
    assert "Sora Studio admin" in body and "Django administration" not in body


def test_simulator_models_have_english_plural_names(client, operator):
    client.force_login(operator)
    body = client.get(reverse("admin:index")).content.decode()

    assert "Simulator webhook deliveries" in body
    assert "Simulator videos" in body and "Simulator faults" in body
    assert "deliverys" not in body and "Sim webhook" not in body
