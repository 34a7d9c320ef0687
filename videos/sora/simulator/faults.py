"""Fault injection: a deterministic one-shot queue for tests, and random faults at SIM_FAULT_RATE.

Test API::

    from videos.sora.simulator import faults
    faults.inject("status", status=429, retry_after_ms=50, method="POST", path=r"^videos$")
    faults.inject("status", status=503, times=2)               # the next two requests, any path
    faults.inject("delay", delay_seconds=2.5, path="/content")  # a slow answer (client read timeouts)
    faults.inject("cutoff", path="/content")                   # half the bytes, then the connection drops
    faults.inject("fail_job", code="internal_error")            # the next created job fails later
    faults.clear()

A fault matches when its ``method`` is empty or equal to the request's, and its ``path`` regex is empty or found
in the request path after ``/v1/`` (for example ``videos/video_…/content``). The oldest matching fault is
consumed (a conditional DELETE, so exactly one request of any process takes it).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from django.conf import settings

from .models import SimFault

HTTP_KINDS = (SimFault.Kind.STATUS, SimFault.Kind.DELAY, SimFault.Kind.CUTOFF)


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 500
    retry_after: str = ""
    retry_after_ms: str = ""
    delay_seconds: float = 0.0
    code: str = ""


def inject(
    kind: str = "status",
    *,
    status: int = 500,
    method: str = "",
    path: str = "",
    retry_after: float | str | None = None,
    retry_after_ms: int | str | None = None,
    delay_seconds: float = 0.0,
    code: str = "",
    times: int = 1,
) -> list[SimFault]:
    """Queue ``times`` one-shot faults of ``kind`` ("status", "delay", "cutoff" or "fail_job")."""
    if kind not in SimFault.Kind.values:
        raise ValueError(f"kind must be one of {', '.join(SimFault.Kind.values)}")
    re.compile(path)  # fail early on a bad pattern
    return [
        SimFault.objects.create(
            kind=kind,
            method=method.upper(),
            path=path,
            status=status,
            retry_after="" if retry_after is None else str(retry_after),
            retry_after_ms="" if retry_after_ms is None else str(retry_after_ms),
            delay_seconds=delay_seconds,
            code=code or ("internal_error" if kind == SimFault.Kind.FAIL_JOB else ""),
        )
        for _ in range(times)
    ]


def clear() -> None:
    SimFault.objects.all().delete()


def pending() -> int:
    return SimFault.objects.count()


def _take(candidates, method: str, path: str) -> Fault | None:
    for fault in candidates.order_by("pk"):
        if fault.method and fault.method != method:
            continue
        if fault.path and not re.search(fault.path, path):
            continue
        if SimFault.objects.filter(pk=fault.pk).delete()[0] == 1:
            return Fault(
                kind=fault.kind,
                status=fault.status,
                retry_after=fault.retry_after,
                retry_after_ms=fault.retry_after_ms,
                delay_seconds=fault.delay_seconds,
                code=fault.code,
            )
    return None


def take_http(method: str, path: str, *, content: bool = False) -> Fault | None:
    """The fault for this request: the queue first, then a random one at SIM_FAULT_RATE."""
    fault = _take(SimFault.objects.filter(kind__in=HTTP_KINDS), method, path)
    if fault is not None:
        return fault
    rate = settings.SIM_FAULT_RATE
    if rate <= 0 or random.random() >= rate:
        return None
    choices = ["429", "500", "503", "slow"] + (["cutoff"] if content else [])
    choice = random.choice(choices)
    if choice == "429":
        return Fault(SimFault.Kind.STATUS, status=429, retry_after="1", retry_after_ms=str(random.randint(200, 1000)))
    if choice == "slow":
        return Fault(SimFault.Kind.DELAY, delay_seconds=random.uniform(1.0, 3.0))
    if choice == "cutoff":
        return Fault(SimFault.Kind.CUTOFF)
    return Fault(SimFault.Kind.STATUS, status=int(choice))


def take_job_failure(path: str) -> Fault | None:
    """A queued ``fail_job`` fault for a job being created now, else a random one at SIM_FAULT_RATE / 4."""
    fault = _take(SimFault.objects.filter(kind=SimFault.Kind.FAIL_JOB), "POST", path)
    if fault is not None:
        return fault
    rate = settings.SIM_FAULT_RATE / 4
    if rate > 0 and random.random() < rate:
        return Fault(SimFault.Kind.FAIL_JOB, code="internal_error")
    return None
