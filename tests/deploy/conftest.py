"""Fixtures of the deployment tests: a real S3-compatible server (tests/deploy/s3server.py) and the pipeline's
queue recorded instead of run (each test drives the services itself, as tests/videos/test_pipeline_faults.py)."""

from __future__ import annotations

import pytest

from tests.deploy.s3server import s3, s3_server  # noqa: F401  (fixtures)


@pytest.fixture
def queue(studio, monkeypatch):
    from videos import tasks
    from videos.sora.simulator import faults

    calls = []
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: calls.append("dispatch"))
    monkeypatch.setattr(tasks, "enqueue_archive", lambda video_id: calls.append(("archive", video_id)))
    monkeypatch.setattr(tasks, "enqueue_start", lambda video_id, token: calls.append(("start", video_id)))
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: calls.append("tick"))
    yield calls
    faults.clear()
