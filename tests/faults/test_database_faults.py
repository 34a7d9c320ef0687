"""Scenario 2 and the SQLite lock: the database goes away under the running studio, and it goes on.

- PostgreSQL: every connection of the studio's processes (workers and web server) is terminated mid-run
  (pg_terminate_backend), twice. Tasks reconnect; polling resumes within seconds, not after a lease or a schedule.
- SQLite: another process holds the write lock past the studio's lock timeout (as a backup or a long admin write
  would); writes fail meanwhile ("database is locked"), and the pipeline resumes once the lock is released.

Each runs on its own engine only (the other engine's equivalent is the other test): that is the fault, not a skip
to stay green.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection

from tests.faults.harness import wait_until
from videos.models import Video

Status = Video.Status


def _moves_after(run, moment: float, timeout: float = 90) -> float:
    """Seconds from `moment` until a video of the run changed again (a poll, a progress, an archive)."""
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(moment, tz=UTC)
    wait_until(lambda: Video.objects.filter(id__in=run.videos, updated_at__gt=since).exists(), timeout,
               "the pipeline to move again", interval=0.05)  # fmt: skip
    first = Video.objects.filter(id__in=run.videos, updated_at__gt=since).order_by("updated_at").first()
    return first.updated_at.timestamp() - moment


def test_postgresql_connections_terminated_mid_run(fault_run):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only; on SQLite the equivalent fault is test_a_sqlite_lock_held_past_the_timeout")
    run = fault_run
    run.name = "2 PostgreSQL connections terminated (x2)"
    run.start_worker()
    run.start_worker()
    run.start_web(SIM_RENDER_SECONDS="3")
    run.submit(8)

    resumed = []
    for moment in ("rendering", "archiving"):
        wanted = Status.IN_PROGRESS if moment == "rendering" else Status.ARCHIVING
        wait_until(lambda: Video.objects.filter(id__in=run.videos, status=wanted).exists(), 60, f"a video {moment}",
                   interval=0.05)  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated = cursor.fetchone()[0]
        at = time.time()
        run.faults["PostgreSQL connections terminated"] += terminated
        if Video.objects.filter(id__in=run.videos, status__in=[*Video.IN_FLIGHT, Status.ARCHIVING]).exists():
            resumed.append(_moves_after(run, at))

    rows = run.wait_done(timeout=120)
    run.recovery["pipeline moving again"] = max(resumed, default=0.0)
    run.verify(recovery=max(resumed, default=0.0))

    assert all(v.status == Status.COMPLETED for v in rows)
    assert run.faults["PostgreSQL connections terminated"] >= 2


def test_a_sqlite_lock_held_past_the_timeout(fault_run):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only; on PostgreSQL the equivalent fault is test_postgresql_connections_terminated_mid_run")
    run = fault_run
    run.name = "7 SQLite write lock held past the timeout"
    lock_timeout = {"FAULTS_SQLITE_TIMEOUT": "1"}  # the studio waits 1 s for a lock here (20 s in production)
    run.start_worker(**lock_timeout)
    run.start_worker(**lock_timeout)
    run.start_web(SIM_RENDER_SECONDS="3", **lock_timeout)
    run.submit(8)

    wait_until(lambda: Video.objects.filter(id__in=run.videos, status=Status.IN_PROGRESS).exists(), 60,
               "videos rendering", interval=0.05)  # fmt: skip
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held 4 s: four times the studio's timeout
    time.sleep(4)
    holder.execute("ROLLBACK")
    holder.close()
    released = time.time()
    run.faults["SQLite write lock held 4 s"] = 1

    resumed = _moves_after(run, released)
    rows = run.wait_done(timeout=120)
    run.recovery["pipeline moving again"] = resumed
    locked = run.log().count("database is locked")
    run.notes.append(f"{locked} 'database is locked' errors logged while the lock was held")
    run.verify(recovery=resumed)

    assert all(v.status == Status.COMPLETED for v in rows)
