"""Requests per token: a fixed window counted in the "api" cache (API_RATE_LIMIT per API_RATE_WINDOW_SECONDS)."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import caches

from api.errors import ApiError
from api.models import ApiToken


def _key(what: str, window: int, slot: int) -> str:
    return f"rate:{what}:{window}:{slot}"


def count(what: str, window: int, now: float) -> tuple[int, int]:
    """(this request's number in its window, the window's slot) for a key such as a token's id: counted atomically
    in the shared "api" cache (Redis when REDIS_URL is set), so parallel requests each get their own number."""
    slot = int(now // window)
    key = _key(what, window, slot)
    cache = caches["api"]
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key), slot
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1, slot


def give_back(what: str, window: int, slot: int) -> None:
    """Un-count one request of that window (one that turned out not to count, e.g. a right password)."""
    try:
        caches["api"].decr(_key(what, window, slot))
    except ValueError:  # the window is over
        pass


def seconds_left(window: int, slot: int, now: float) -> int:
    """Until the window's end, at least 1 (a retry-after)."""
    return max(1, math.ceil((slot + 1) * window - now))


# Refused tokens are recorded in the audit log at most this many times per address and window; a script hammering
# with a bad token is not an unbounded stream of rows (each refusal is still a 401).
REFUSALS_RECORDED = 10


def refusal_worth_recording(address: str, now: float | None = None) -> bool:
    window = settings.API_RATE_WINDOW_SECONDS
    n, _ = count(f"refused:{address or '-'}", window, time.time() if now is None else now)
    return n <= REFUSALS_RECORDED


def check(token: ApiToken, now: float | None = None) -> None:
    """Count this request; past the limit, a 429 with `retry-after` (the seconds until the window ends)."""
    limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    n, slot = count(token.public_id.hex, window, now)
    if n > limit:
        retry_after = seconds_left(window, slot, now)
        raise ApiError(
            429,
            f"Rate limit reached for this API token: {limit} requests per {window} s. Try again in {retry_after} s.",
            type="requests",
            code="rate_limit_exceeded",
            headers={"retry-after": str(retry_after), "x-ratelimit-limit-requests": str(limit),
                     "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": f"{retry_after}s"},
        )  # fmt: skip
