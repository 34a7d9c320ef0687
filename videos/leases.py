"""Named leases in the database: at most one holder at a time across all processes and machines.

A holder renews its lease while it works (a heartbeat), so leases can be short and a dead holder is noticed in
seconds. Releasing survives a lost database connection (a PostgreSQL restart, a connection killed by a proxy): the
connection is reopened and the release tried again, and a release that still fails is logged, never silent; the
short lease then runs out by itself.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    close_old_connections,
    connection,
)
from django.db.models import Q
from django.utils import timezone

from videos.models import Lease

log = logging.getLogger(__name__)
T = TypeVar("T")
# What a lost connection raises, depending on the engine and where it broke (psycopg: OperationalError or
# InterfaceError; sqlite3: ProgrammingError "Cannot operate on a closed database").
LOST_CONNECTION = (OperationalError, InterfaceError, ProgrammingError)


def reconnecting(operation: Callable[[], T]) -> T:
    """Run a short database operation; if the connection was lost, drop it and run the operation once more on a
    fresh one. (Only outside a transaction: inside one, the caller's whole transaction must be retried.)"""
    try:
        return operation()
    except LOST_CONNECTION as exc:
        if connection.in_atomic_block:
            raise
        log.warning("database connection lost (%s); reconnecting", type(exc).__name__)
        connection.close()
        close_old_connections()
        return operation()


def acquire(name: str, seconds: float) -> str | None:
    """A token if the lease was free (or expired) and is now ours for `seconds`, else None."""
    token = uuid.uuid4().hex

    def take() -> bool:
        now = timezone.now()
        try:
            Lease.objects.get_or_create(name=name)
        except IntegrityError:  # created concurrently: fine
            pass
        free = Q(until__isnull=True) | Q(until__lt=now)
        return bool(Lease.objects.filter(free, name=name).update(holder=token, until=now + timedelta(seconds=seconds)))

    return token if reconnecting(take) else None


def renew(name: str, token: str, seconds: float) -> bool:
    def extend() -> bool:
        until = timezone.now() + timedelta(seconds=seconds)
        return bool(Lease.objects.filter(name=name, holder=token).update(until=until))

    return reconnecting(extend)


def release(name: str, token: str) -> bool:
    """Let go of the lease. Never fails silently: a release that cannot reach the database is logged (the lease
    then expires by itself, within its short duration)."""
    try:
        return bool(reconnecting(lambda: Lease.objects.filter(name=name, holder=token).update(holder="", until=None)))
    except LOST_CONNECTION as exc:
        log.error("could not release the %s lease (%s); it expires by itself", name, exc)
        return False


def held(name: str) -> bool:
    """Whether someone holds the lease now."""
    return reconnecting(
        lambda: Lease.objects.filter(name=name, until__gte=timezone.now()).exclude(holder="").exists()
    )


def clear(name: str) -> bool:
    """Let go of the lease whoever holds it (a mark that says "one is waiting", cleared by whoever takes it up)."""
    return bool(reconnecting(lambda: Lease.objects.filter(name=name).exclude(holder="").update(holder="", until=None)))
