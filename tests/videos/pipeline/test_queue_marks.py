"""A dispatch or a tick already waiting in the queue is not queued again (videos.tasks._mark_queued): under a burst
with one worker the queue would otherwise fill with them and start tasks would wait past their leases
(bench/throughput.py). The task clears the mark as it begins; a mark left by a lost task runs out by itself."""

from __future__ import annotations

import pytest
from django_q.conf import Conf

from videos import tasks


@pytest.fixture
def queued(db, monkeypatch):
    calls = []
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(tasks, "async_task", lambda func, *args, **kwargs: calls.append(func.rsplit(".", 1)[1]))
    return calls


def test_a_waiting_tick_or_dispatch_is_not_queued_twice(queued):
    for _ in range(3):
        tasks.enqueue_tick()
        tasks.enqueue_dispatch()
    assert queued == ["tick", "dispatch"]


def test_once_the_dispatch_begins_the_next_one_is_queued(queued):
    tasks.enqueue_dispatch()
    assert tasks.dispatch() == 0  # nothing waits to start
    tasks.enqueue_dispatch()
    assert queued == ["dispatch", "dispatch"]


def test_once_the_tick_begins_the_next_one_is_queued(queued):
    tasks.enqueue_tick()
    tasks.tick(max_seconds=0.1)  # no work left: it hands over to nothing
    tasks.enqueue_tick()
    assert queued == ["tick", "tick"]


def test_a_mark_left_by_a_lost_task_runs_out(queued, monkeypatch):
    monkeypatch.setattr(tasks, "QUEUED_MARK_SECONDS", 0.0)  # already run out when the next one looks
    tasks.enqueue_tick()
    tasks.enqueue_tick()
    assert queued == ["tick", "tick"]
