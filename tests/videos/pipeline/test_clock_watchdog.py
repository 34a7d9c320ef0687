"""The clock's watchdog: every django-q2 worker process keeps a tick running while there is work, so a clock lost
with a killed worker is replaced within seconds, not at the next minute schedule (tests/deploy/test_multiworker.py
shows it end to end)."""

from __future__ import annotations

import threading
import time

import pytest

from videos import leases, tasks
from videos.models import Video


class Rounds:
    """A stop event that lets watch_clock look `n` times, then stops it."""

    def __init__(self, n: int) -> None:
        self.left = n

    def wait(self, timeout: float) -> bool:
        self.left -= 1
        return self.left < 0


@pytest.fixture
def kicked(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: calls.append("tick"))
    return calls


@pytest.fixture
def rendering(transactional_db, make_video, project, alice):
    return make_video(project, alice, status=Video.Status.IN_PROGRESS, progress=10, upstream_id="video_abc")


def test_it_starts_a_tick_when_no_clock_runs_and_work_is_left(rendering, kicked):
    tasks.watch_clock(Rounds(2), every=0)
    assert kicked == ["tick", "tick"]


def test_it_leaves_a_running_clock_alone(rendering, kicked):
    token = leases.acquire("ticker", 10)
    assert token
    tasks.watch_clock(Rounds(2), every=0)
    assert kicked == []
    leases.release("ticker", token)
    tasks.watch_clock(Rounds(1), every=0)
    assert kicked == ["tick"]  # the clock's holder is gone: a new one is started


def test_it_starts_nothing_when_there_is_no_work(transactional_db, kicked):
    tasks.watch_clock(Rounds(2), every=0)
    assert kicked == []


def test_a_failing_look_is_logged_and_the_next_one_tried(rendering, monkeypatch, caplog):
    looks = []

    def flaky() -> None:
        looks.append(1)
        if len(looks) == 1:
            raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "kick_tick", flaky)
    tasks.watch_clock(Rounds(2), every=0)
    assert len(looks) == 2 and "clock watchdog: broker down" in caplog.text


def test_every_spawned_worker_process_starts_one(monkeypatch):
    from django_q.conf import Conf
    from django_q.signals import post_spawn

    from videos import apps

    started = []
    monkeypatch.setattr(tasks, "watch_clock", lambda stop: started.append(threading.current_thread().name))
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(apps, "_watching_in", None)
    post_spawn.send(sender="django_q", proc_name="Process-1")
    post_spawn.send(sender="django_q", proc_name="Process-1")  # once per process
    time.sleep(0.5)
    assert started == ["clock-watchdog"]


def test_none_in_sync_mode_where_each_task_runs_through_a_worker_in_the_caller(monkeypatch, settings):
    """django-q2's sync mode (the unit tests') sends post_spawn for every task it runs inline: no thread then."""
    from django_q.conf import Conf
    from django_q.signals import post_spawn

    from videos import apps

    started = []
    monkeypatch.setattr(tasks, "watch_clock", lambda stop: started.append(1))
    monkeypatch.setattr(apps, "_watching_in", None)
    assert Conf.SYNC
    post_spawn.send(sender="django_q", proc_name="sync")
    time.sleep(0.5)
    assert started == []
