"""Fixtures of the fault suite: `fault_run` starts nothing itself; a scenario starts the web server and workers it
needs (tests/faults/harness.py) and they are SIGKILLed at its end, before the test database is flushed."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def faults_redis_url():
    """A redis-server of this test process's own (only when the run's broker is Redis)."""
    from tests.deploy.conftest import _private_redis

    yield from _private_redis()


@pytest.fixture
def fault_run(request, transactional_db, seeded_models, settings, tmp_path, project, alice, monkeypatch):
    """A Run (harness.Run) named after the test: its environment, its media folders, its broker."""
    from django.core.management import call_command
    from django_q.conf import Conf

    from quotas.models import QuotaRule
    from tests.faults.harness import Run, database_url

    media, sim_media = tmp_path / "media", tmp_path / "simulator"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.SIM_MEDIA_DIR = str(sim_media)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.studio_settings", DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY=settings.SECRET_KEY, DATABASE_URL=database_url(), SORA_SIMULATOR="true",
        SIMULATOR_API_KEY=settings.SIMULATOR_API_KEY, MEDIA_ROOT=str(media), SIM_MEDIA_DIR=str(sim_media),
        SIM_RENDER_SECONDS="1", SIM_FPS="2", POLL_MIN_SECONDS="0.2", POLL_MAX_SECONDS="1",
        RECONCILE_EVERY_SECONDS="1", Q_WORKERS="2", LOG_LEVEL="INFO", DEBUG="false",
        FAULTS_UPSTREAM_LOG=str(tmp_path / "upstream.jsonl"), WEB_CONCURRENCY="1", GUNICORN_THREADS="8",
        STUDIO_START_CHECKS="false",
    )  # fmt: skip
    # The tasks this process enqueues go to the workers' broker (test settings run them inline otherwise).
    monkeypatch.setattr(Conf, "SYNC", False)
    if settings.REDIS_URL:
        redis_url = request.getfixturevalue("faults_redis_url")
        env["REDIS_URL"] = redis_url
        monkeypatch.setattr(Conf, "REDIS", redis_url)
    # A site-wide quota rule, so the ledger's usage rows are kept (and checked) as in a real installation.
    QuotaRule.objects.create(period=QuotaRule.Period.MONTH, max_videos=10_000, note="fault suite")
    call_command("setup_schedules", verbosity=0)  # the minute clock, as `release` sets it up in production
    name = request.node.name.removeprefix("test_")
    run = Run(name=name, tmp=tmp_path, env=env, owner=alice, project=project)
    env.update(SITE_URL=run.url, SIMULATOR_BASE_URL=f"{run.url}/sim/v1")
    settings.SITE_URL, settings.SIMULATOR_BASE_URL = run.url, f"{run.url}/sim/v1"
    try:
        yield run
    finally:
        run.stop()
