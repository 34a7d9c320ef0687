"""A circuit per provider: one that fails fast (connection refused, TLS errors, every call 5xx) is left alone for a
while, so its jobs wait with a visible reason instead of failing, and the other providers' jobs go on.

After PROVIDER_CIRCUIT_FAILURES failures in a row the circuit opens for PROVIDER_CIRCUIT_SECONDS, doubling with each
further failure up to ten times that. When the time is up, calls are tried again (half-open): a success closes the
circuit, a failure opens it again at once. Counts live on the provider row, so every worker sees the same state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from providers.models import Provider
from videos.sora.errors import SoraError


class CircuitOpen(SoraError):
    """Calls to this provider are paused; the job waits (retryable)."""


def is_outage(exc: SoraError) -> bool:
    """A failure that says the server is down or broken, not that this request was wrong."""
    return exc.status is None or exc.status >= 500 and exc.status != 501


def check(provider: Provider) -> None:
    """Raise CircuitOpen while the provider's circuit is open (read fresh: another worker may have opened it)."""
    row = Provider.objects.filter(pk=provider.pk).values("circuit_open_until", "last_error").first()
    now = timezone.now()
    if row and row["circuit_open_until"] and row["circuit_open_until"] > now:
        provider.circuit_open_until, provider.last_error = row["circuit_open_until"], row["last_error"]
        raise CircuitOpen(
            f"{provider.name} is not answering ({row['last_error'] or 'repeated failures'}); the studio tries again "
            f"at {row['circuit_open_until']:%H:%M:%S} UTC.",
            retryable=True,
        )


def record_success(provider: Provider) -> None:
    Provider.objects.filter(pk=provider.pk, consecutive_failures__gt=0).update(
        consecutive_failures=0, circuit_open_until=None, last_error=""
    )


def record_failure(provider: Provider, exc: SoraError) -> None:
    Provider.objects.filter(pk=provider.pk).update(consecutive_failures=F("consecutive_failures") + 1,
                                                   last_error=str(exc.message)[:300])  # fmt: skip
    failures = Provider.objects.filter(pk=provider.pk).values_list("consecutive_failures", flat=True).first() or 0
    threshold = settings.PROVIDER_CIRCUIT_FAILURES
    if failures >= threshold:
        base = settings.PROVIDER_CIRCUIT_SECONDS
        seconds = min(base * 2 ** (failures - threshold), base * 10)
        Provider.objects.filter(pk=provider.pk).update(circuit_open_until=timezone.now() + timedelta(seconds=seconds))


@contextmanager
def watch(provider: Provider) -> Iterator[None]:
    """Around one call to the provider: refuse while the circuit is open; count outages and successes."""
    check(provider)
    try:
        yield
    except CircuitOpen:
        raise
    except SoraError as exc:
        if is_outage(exc):
            record_failure(provider, exc)
        else:
            record_success(provider)  # it answered, sensibly: the server is up
        raise
    record_success(provider)


def throttle(provider: Provider, *, running: int, retry_after: float | None) -> int:
    """The provider said it is full (429): until it stops saying so, start no more than `running` jobs there (at
    least one). Returns the lowered cap."""
    cap = max(1, running)
    wait = max(retry_after or 0.0, settings.PROVIDER_THROTTLE_SECONDS)
    Provider.objects.filter(pk=provider.pk).update(throttled_cap=cap,
                                                   throttled_until=timezone.now() + timedelta(seconds=wait))  # fmt: skip
    return cap
