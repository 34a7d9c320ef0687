"""Concurrent submissions never overspend: 50 threads, each with its own database connection.

Meaningful on both databases: on SQLite the write lock serialises them (BEGIN IMMEDIATE); on PostgreSQL the single
conditional UPDATE re-checks its WHERE under the row lock (ECOSYSTEM 7.1: naive check-then-write granted 320 of 100).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from quotas import services as quotas
from quotas.models import QuotaUsage
from tests.quotas.conftest import rule, submit
from videos.models import Video

THREADS = 50


def race(user, project, *, seconds: int = 8, threads: int = THREADS) -> tuple[int, int, list[BaseException]]:
    barrier = threading.Barrier(threads)
    accepted, refused, errors = [], [], []

    def one(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            submit(user, project, seconds=seconds, prompt=f"shot {i}")
            accepted.append(i)
        except quotas.QuotaExceeded:
            refused.append(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    return len(accepted), len(refused), errors


@pytest.mark.realdb
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_against_a_limit_of_ten_videos(seeded_models, alice, project):
    rule(user=alice, max_videos=10)
    accepted, refused, errors = race(alice, project)
    assert errors == []
    assert (accepted, refused) == (10, 40)
    assert Video.objects.count() == 10
    assert QuotaUsage.objects.get().videos == 10


@pytest.mark.realdb
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_against_a_spend_limit(seeded_models, alice, project):
    rule(user=alice, max_spend=Decimal("5.00"))  # $0.80 each: six fit ($4.80)
    accepted, refused, errors = race(alice, project, seconds=8)
    assert errors == []
    assert (accepted, refused) == (6, 44)
    usage = QuotaUsage.objects.get()
    assert usage.spend <= Decimal("5.00")
    assert usage.spend == Decimal("4.80")
    assert sum(v.estimated_cost for v in Video.objects.all()) == Decimal("4.80")


@pytest.mark.realdb
@pytest.mark.django_db(transaction=True)
def test_concurrent_users_and_a_shared_project_limit(seeded_models, alice, bob, project):
    rule(project=project, max_videos=7)
    barrier_users = [alice, bob]
    results = []

    def run(user):
        results.append(race(user, project, threads=20))  # 2 x 20 connections: the server allows 100

    threads = [threading.Thread(target=run, args=(u,)) for u in barrier_users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert [e for r in results for e in r[2]] == []
    assert sum(r[0] for r in results) == 7
    assert Video.objects.count() == 7


def test_the_race_runs_on_the_configured_database():
    assert connection.vendor in ("sqlite", "postgresql")
