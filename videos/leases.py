"""Named leases in the database: at most one holder at a time across all processes and machines."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from videos.models import Lease


def acquire(name: str, seconds: float) -> str | None:
    """A token if the lease was free (or expired) and is now ours for `seconds`, else None."""
    token = uuid.uuid4().hex
    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    try:
        Lease.objects.get_or_create(name=name)
    except IntegrityError:  # created concurrently: fine
        pass
    won = Lease.objects.filter(Q(until__isnull=True) | Q(until__lt=now), name=name).update(holder=token, until=until)
    return token if won else None


def renew(name: str, token: str, seconds: float) -> bool:
    until = timezone.now() + timedelta(seconds=seconds)
    return bool(Lease.objects.filter(name=name, holder=token).update(until=until))


def release(name: str, token: str) -> None:
    Lease.objects.filter(name=name, holder=token).update(holder="", until=None)


def held(name: str) -> bool:
    """Whether someone holds the lease now."""
    return Lease.objects.filter(name=name, until__gte=timezone.now()).exclude(holder="").exists()
