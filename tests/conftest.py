"""Shared fixtures: the fixed cast (alice owns, bob is a member, charlie is an outsider)."""

from __future__ import annotations

import os

import pytest

# Sync Playwright runs an event loop in the test thread; the ORM must still be usable there (ECOSYSTEM 5).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


def make_user(username: str, **extra):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **extra
    )


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def project(alice):
    """alice's team project; alice is its owner."""
    from accounts.services import project_create

    return project_create(user=alice, name="Launch film")


@pytest.fixture
def bob(db, project):
    """bob is an editor in alice's project."""
    from accounts.models import Membership

    user = make_user("bob")
    Membership.objects.create(user=user, project=project, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def viewer(db, project):
    """vera can only look at alice's project."""
    from accounts.models import Membership

    user = make_user("vera")
    Membership.objects.create(user=user, project=project, role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def charlie(db):
    """charlie is in no project of alice's."""
    return make_user("charlie")


@pytest.fixture
def sim_base_url(live_server, settings):
    """Point the studio's client at the simulator served by the live test server."""
    settings.OPENAI_BASE_URL = f"{live_server.url}/sim/v1"
    settings.OPENAI_API_KEY = ""
    return settings.OPENAI_BASE_URL
