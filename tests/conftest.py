"""Shared fixtures: the fixed cast (alice owns, bob is a member, charlie is an outsider)."""

from __future__ import annotations

import os
import time

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


@pytest.fixture
def seeded_models(db):
    """The model registry as migration 0002 seeds it (a transactional test's flush empties it)."""
    from django.apps import apps as django_apps

    from videos.models import SoraModel

    if not SoraModel.objects.exists():
        seed = __import__("videos.migrations.0002_seed_models", fromlist=["seed"]).seed
        seed(django_apps, None)


@pytest.fixture
def studio(live_server, settings, transactional_db, seeded_models):
    """The studio at live_server.url, its client pointed at its own simulator."""
    settings.SITE_URL = live_server.url
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = f"{live_server.url}/sim/v1"
    settings.SORA_SIMULATOR = True
    yield live_server
    # The simulator renders in threads of this process: none may outlive its test (each holds a database
    # connection, and a cluster forked by a later test must not inherit an open SQLite connection).
    from videos.sora.simulator import jobs

    assert jobs.wait_idle(30), "simulator threads still running"


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
