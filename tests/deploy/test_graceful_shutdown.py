"""A SIGTERM to `manage.py qcluster` (what systemd sends to the worker unit's main process, KillMode=mixed) lets the
task in flight finish before the process exits, on the ORM broker and on Redis: nothing is lost.

For the record, the case deploy/ avoids: a SIGTERM to *every* process of the worker (systemd's default
KillMode=control-group, or a SIGKILL after TimeoutStopSec) kills the task mid-way, because django-q2's worker
processes keep the default SIGTERM action. On the ORM broker the task is then not acknowledged and runs again once
its lock (Q_CLUSTER retry) has passed; on Redis it is gone (BLPOP took it), and only the studio's own reconciler,
which follows jobs in its database, picks the work up again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.deploy.startup import ROOT, clean_env, manage, python

TASK_SECONDS = 4


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A DATA_DIR whose SQLite database is migrated once for the module; each test copies it."""
    base = tmp_path_factory.mktemp("qcluster-base")
    run = manage(base, "migrate", "--noinput", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return base / "data"


@pytest.fixture
def studio_env(tmp_path, migrated):
    shutil.copytree(migrated, tmp_path / "data")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {"Q_WORKERS": "1", "LOG_LEVEL": "INFO"}  # its own database (and, for Redis, its own redis-server)
    return tmp_path, marks, env


def _enqueue(tmp_path, marks, env) -> str:
    code = (
        "import django; django.setup(); from django_q.tasks import async_task;"
        f"print(async_task('tests.deploy.tasks.slow', {str(marks)!r}, {TASK_SECONDS}))"
    )
    run = python(tmp_path, code, **env)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip().splitlines()[-1]


@contextmanager
def _qcluster(tmp_path, env) -> Iterator[subprocess.Popen]:
    """`manage.py qcluster` running; whatever of it is left at the end is SIGKILLed."""
    log = open(tmp_path / "qcluster.log", "ab")
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=clean_env(tmp_path, **env), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield cluster
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()


def _kill_mid_task(tmp_path, marks, env) -> None:
    """Start a cluster, and SIGKILL all of it (what systemd does after TimeoutStopSec) while the task runs."""
    with _qcluster(tmp_path, env) as cluster:
        _wait(lambda: _started(marks), 60, "the task to start")
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(30)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _started(marks) -> bool:
    return any(p.name.startswith("started-") for p in marks.iterdir())


def _state(tmp_path, env, task_id) -> dict:
    code = (
        "import json, django; django.setup(); from django_q.models import OrmQ, Task;"
        f"t = Task.objects.filter(id={task_id!r}).first();"
        "print(json.dumps({'task': None if t is None else t.success, 'result': None if t is None else t.result,"
        " 'queued': OrmQ.objects.count()}))"
    )
    run = python(tmp_path, code, **env)
    assert run.returncode == 0, run.stderr[-2000:]
    import json

    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_sigterm_lets_the_task_in_flight_finish(studio_env, broker, request):
    tmp_path, marks, env = studio_env
    if broker == "redis":
        env["REDIS_URL"] = request.getfixturevalue("private_redis_url")
    task_id = _enqueue(tmp_path, marks, env)
    with _qcluster(tmp_path, env) as cluster:
        _wait(lambda: _started(marks), 60, "the task to start")
        signalled = time.monotonic()
        cluster.send_signal(signal.SIGTERM)  # the main process only, as systemd's KillMode=mixed does
        assert cluster.wait(60) == 0
        stopped_after = time.monotonic() - signalled

    log = (tmp_path / "qcluster.log").read_text()
    assert (marks / "finished").read_text() == "done\n", log[-3000:]  # finished, once
    assert 0.5 < stopped_after < TASK_SECONDS + 20, stopped_after  # it waited for the task, and no longer
    state = _state(tmp_path, env, task_id)
    assert state["task"] is True and state["result"] == "done", (state, log[-3000:])
    assert state["queued"] == 0  # ORM: acknowledged (Redis: nothing was ever in the table)


def test_a_worker_killed_mid_task_is_redelivered_on_the_orm_broker(studio_env):
    """What a SIGKILL (or a SIGTERM to every process) does on the ORM broker: the task runs again later."""
    tmp_path, marks, env = studio_env
    task_id = _enqueue(tmp_path, marks, env)
    _kill_mid_task(tmp_path, marks, env)
    assert not (marks / "finished").exists()
    assert _state(tmp_path, env, task_id) == {"task": None, "result": None, "queued": 1}  # not acknowledged

    # Time passes: the message's lock (Q_CLUSTER retry, 900 s) runs out, and a worker takes it again.
    run = python(tmp_path, "import django; django.setup(); from django_q.models import OrmQ; from django.utils import "
                 "timezone; print(OrmQ.objects.update(lock=timezone.now() - timezone.timedelta(seconds=1)))", **env)  # fmt: skip
    assert run.returncode == 0 and run.stdout.strip().endswith("1"), run.stderr
    with _qcluster(tmp_path, env) as again:
        _wait(lambda: (marks / "finished").exists(), 60, "the task to run again")
        again.send_signal(signal.SIGTERM)
        assert again.wait(60) == 0
    assert _state(tmp_path, env, task_id) == {"task": True, "result": "done", "queued": 0}


def test_a_worker_killed_mid_task_loses_it_on_redis(studio_env, private_redis_url):
    """Redis delivers at most once: a task whose worker is SIGKILLed is gone, and a restarted cluster never runs it.
    (The studio's jobs survive this: the minute schedule's reconciler re-enqueues a job whose lease ran out.)"""
    import redis

    tmp_path, marks, env = studio_env
    env["REDIS_URL"] = private_redis_url
    queue = redis.Redis.from_url(private_redis_url)
    task_id = _enqueue(tmp_path, marks, env)
    assert queue.llen("django_q:sora-studio:q") == 1
    _kill_mid_task(tmp_path, marks, env)
    assert queue.llen("django_q:sora-studio:q") == 0  # taken by the dead worker, never acknowledged

    with _qcluster(tmp_path, env) as again:
        time.sleep(TASK_SECONDS + 3)
        again.send_signal(signal.SIGTERM)
        assert again.wait(60) == 0
    assert not (marks / "finished").exists()
    assert _state(tmp_path, env, task_id) == {"task": None, "result": None, "queued": 0}
