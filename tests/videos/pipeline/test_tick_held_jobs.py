"""The clock keeps going while a worker holds a job (creating or saving it): if that worker dies, the reconciler
(which runs inside a tick) takes the job over as soon as its lease runs out, even when nothing else is in flight,
instead of waiting for the next scheduled tick (found by the fault suite: a killed worker's archive was finished
55 s later, by the minute schedule)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from videos import tasks
from videos.models import Video

Status = Video.Status


@pytest.fixture
def enqueued(monkeypatch, settings):
    settings.RECONCILE_EVERY_SECONDS = 0.5
    calls = []
    monkeypatch.setattr(tasks, "enqueue_archive", lambda video_id: calls.append(("archive", video_id)))
    monkeypatch.setattr(tasks, "enqueue_start", lambda video_id, token: calls.append(("start", video_id)))
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: calls.append("dispatch"))
    monkeypatch.setattr(tasks, "enqueue_poll", lambda video_id: calls.append(("poll", video_id)))
    return calls


@pytest.mark.parametrize("status", [Status.ARCHIVING, Status.SUBMITTING])
def test_a_dead_workers_job_is_taken_over_when_its_lease_runs_out(make_video, project, alice, enqueued, status):
    video = make_video(project, alice, status=status, upstream_id="video_held" if status == Status.ARCHIVING else None,
                       lease_token="dead-worker", lease_until=timezone.now() + timedelta(seconds=1.5))  # fmt: skip
    assert tasks._work_left()  # a finished tick hands over to the next one while it is held

    tasks.tick(max_seconds=4)  # one tick, nothing else in flight: before, it ended at once and left the job

    kind = "archive" if status == Status.ARCHIVING else "start"
    assert (kind, video.id) in enqueued


def test_with_nothing_held_or_in_flight_the_tick_ends_at_once(make_video, project, alice, enqueued):
    make_video(project, alice, status=Status.COMPLETED)
    assert not tasks._work_left()
    assert tasks.tick(max_seconds=10) == 0 and enqueued == []


def test_the_clock_survives_a_database_unavailable_for_a_while(make_video, project, alice, enqueued, monkeypatch):
    """SQLite locked past its timeout, or PostgreSQL refusing connections for a moment: the tick's own queries
    fail even after a reconnect. The tick goes on and tries again, instead of dying until the next minute tick
    (found by the fault suite: the pipeline stood still for 12 s after a 4 s SQLite lock)."""
    from django.db import OperationalError

    video = make_video(project, alice, status=Status.ARCHIVING, upstream_id="video_held", lease_token="dead",
                       lease_until=timezone.now() - timedelta(seconds=1))  # fmt: skip
    real, failures = tasks.reconcile, iter(range(3))

    def locked_for_a_while(now=None):
        if next(failures, None) is not None:
            raise OperationalError("database is locked")
        return real(now)

    monkeypatch.setattr(tasks, "reconcile", locked_for_a_while)

    tasks.tick(max_seconds=4)

    assert ("archive", video.id) in enqueued  # reconciled once the database answered again
