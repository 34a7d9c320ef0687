"""End-to-end fixtures: the studio served over real HTTP (web + simulator) and a real django-q2 cluster.

The cluster is django-q2's own (`Cluster(get_broker()).start()`): its sentinel forks worker processes that share
the test database (a file SQLite or PostgreSQL; never in-memory) and the broker (ORM, or Redis when REDIS_URL is
set). Each test gets its own queue name, so parallel test workers never take each other's tasks.
"""

from __future__ import annotations

import signal
import uuid

import pytest


@pytest.fixture
def q_cluster(studio, monkeypatch):
    """A running django-q2 cluster (workers in separate processes), stopped after the test."""
    from django.db import connections
    from django_q.brokers import get_broker
    from django_q.cluster import Cluster
    from django_q.conf import Conf

    from videos.sora.simulator import jobs

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", f"sora-test-{uuid.uuid4().hex[:8]}")
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    # The forked workers must open their own connections: SQLite forbids carrying an open one across fork()
    # (sqlite.org/howtocorrupt.html 2.6; seen here as a pusher that stopped seeing new tasks).
    assert jobs.wait_idle(30), "simulator threads still running"
    connections.close_all()
    cluster = Cluster(get_broker())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])


# ---------------------------------------------------------------------------------------------------------------
# Browser tests: Playwright driving Debian's Chromium (ECOSYSTEM 5), never a downloaded browser
# ---------------------------------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    import os
    import shutil

    executable = os.environ.get("CHROMIUM", CHROMIUM)
    if not shutil.which(executable):
        message = f"Chromium not found at {executable}: `apt-get install chromium` (./studio test does it as root)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--disable-gpu", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
        ],
    }  # fmt: skip
