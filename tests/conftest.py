"""Shared fixtures: the fixed cast (alice owns, bob is a member, charlie is an outsider)."""

from __future__ import annotations

import io
import os
import time

import pytest
from PIL import Image

# Sync Playwright runs an event loop in the test thread; the ORM must still be usable there (ECOSYSTEM 5).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.litellm import litellm_proxy, start_litellm_proxy  # noqa: E402,F401  (fixtures: the real LiteLLM proxy)
from tests.sora.sim_profiles import sim_profile_url  # noqa: E402,F401  (a fixture: the simulator's profiles)

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
    from accounts.actors import Actor
    from accounts.services import project_create

    return project_create(actor=Actor.of_user(alice), name="Launch film")


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
def staff(db, client):
    """root: a superuser, signed in on `client` (the admin's tests)."""
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


@pytest.fixture
def charlie(db):
    """charlie is in no project of alice's."""
    return make_user("charlie")


@pytest.fixture
def sim_base_url(live_server, settings):
    """Point the simulator provider at the simulator served by the live test server."""
    settings.SITE_URL = live_server.url
    settings.SIMULATOR_BASE_URL = f"{live_server.url}/sim/v1"
    return settings.SIMULATOR_BASE_URL


@pytest.fixture
def seeded_models(db):
    """The providers and model registry as `migrate` leaves them (a transactional test's flush may empty them)."""
    from providers.environment import sync

    sync()


@pytest.fixture
def simulator(seeded_models):
    """The built-in simulator provider."""
    from providers.selectors import simulator

    return simulator()


def sim_client():
    """The studio's own client for its simulator provider (what the pipeline uses)."""
    from providers.clients import client_for
    from providers.selectors import simulator

    return client_for(simulator())


@pytest.fixture
def queue(studio, monkeypatch):
    """The task queue recorded instead of run: a test drives the pipeline itself, step by step (`run_pipeline`).
    Yields the calls: "dispatch", ("start", id), ("archive", id), "tick". The simulator's faults are cleared after."""
    from videos import tasks
    from videos.sora.simulator import faults

    calls = []
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: calls.append("dispatch"))
    monkeypatch.setattr(tasks, "enqueue_start", lambda video_id, token: calls.append(("start", video_id)))
    monkeypatch.setattr(tasks, "enqueue_archive", lambda video_id: calls.append(("archive", video_id)))
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: calls.append("tick"))
    yield calls
    faults.clear()


def run_pipeline(video, *, timeout: float = 90):
    """One video through the pipeline as the workers run it (with `queue`): started if it can start, polled until
    its job ends upstream, archived. Returns the fresh row."""
    from videos import services
    from videos.models import Video

    for video_id, token in services.jobs_claim_startable():
        services.video_start(video_id=video_id, token=token)

    def ended():
        services.video_poll(video_id=video.id)
        row = Video.objects.get(id=video.id)
        return row if row.status not in Video.IN_FLIGHT else None

    row = wait_for(ended, timeout=timeout, interval=0.1, what="the job to end")
    if row.status == Video.Status.ARCHIVING:
        services.video_archive(video_id=row.id)
        row.refresh_from_db()
    return row


def start(video):
    """Run a video's start step as the pipeline would: claim it (as the dispatcher does) if it is still waiting,
    then the start task with that lease. Returns what video_start returns."""
    from videos import lifecycle, services
    from videos.models import Video

    row = Video.objects.get(id=video.id)
    token = row.lease_token
    if row.status == Video.Status.PENDING:
        token = lifecycle.new_token()
        assert lifecycle.claim_start(row, token), "the video could not be claimed for a start"
    return services.video_start(video_id=row.id, token=token)


@pytest.fixture
def studio(live_server, settings, transactional_db, seeded_models):
    """The studio at live_server.url, its simulator provider pointed at its own simulator."""
    settings.SITE_URL = live_server.url
    settings.SIMULATOR_BASE_URL = f"{live_server.url}/sim/v1"
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


@pytest.fixture
def make_video(db, seeded_models):
    """A video row in a given state (no upstream call): make_video(project, owner, status="completed", ...).

    Files are given by kind: make_video(..., video=b"...mp4 bytes", thumbnail=b"...", spritesheet=b"...",
    reference=b"...png"), and stored as assets."""
    import io

    from assets.services import asset_store
    from providers.selectors import simulator
    from videos.lifecycle import upstream_key
    from videos.models import Video

    def make(project, owner, **fields):
        fields.setdefault("prompt", "Wide shot of a red kite over a park at golden hour")
        fields.setdefault("model", "sora-2")
        fields.setdefault("size", "1280x720")
        fields.setdefault("seconds", 4)
        fields.setdefault("status", Video.Status.COMPLETED)
        fields.setdefault("provider", simulator())
        fields.setdefault("created_by", owner)
        if fields["status"] == Video.Status.COMPLETED:
            fields.setdefault("progress", 100)
        if fields.get("upstream_id"):
            fields["upstream_key"] = upstream_key(fields["upstream_id"])
        files = {k: fields.pop(k) for k in ("video", "thumbnail", "spritesheet", "reference") if k in fields}
        video = Video.objects.create(project=project, owner=owner, **fields)
        for kind, content in files.items():
            origin = "upload" if kind == "reference" else "provider"
            asset_store(video=video, kind=kind, content=io.BytesIO(content), origin=origin)
        return video

    return make


def image_bytes(fmt: str = "PNG", size=(64, 36), color=(200, 40, 40), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 1).save(out, format=fmt)
    return out.getvalue()


# Tests that run the studio as a tree of processes (gunicorn, worker clusters, a bucket server) take both cores for
# minutes, and tests that time a browser's playback or a third-party proxy's answers are thrown off beside them (both
# timed out in CI runs, never alone). With `--dist loadgroup` (pytest.ini) these run on one test process, one after
# another, while the other process takes the rest.
ONE_AT_A_TIME = (
    "tests/faults/",
    "tests/deploy/test_multiworker.py",
    "tests/e2e/test_browser.py",
    "tests/providers/test_probe_profiles.py::test_the_litellm_proxy",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(ONE_AT_A_TIME):
            item.add_marker(pytest.mark.xdist_group("processes"))
