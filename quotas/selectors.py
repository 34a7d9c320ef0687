"""Quota reads: what is left for a member (the create form, the admin, the command), and the per-user cap of jobs
in flight (scheduling). Writes are in services.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from quotas.models import QuotaRule, QuotaUsage
from quotas.services import PERIOD_NOUN, _subject, money, period_bounds, rules_for, when


def max_in_flight(video) -> int | None:
    """The tightest per-user limit of jobs in flight that applies to this video's owner, if any (from the owner's
    rules or the site default, and the project's rules)."""
    caps = [r.max_in_flight for r in rules_for(video.owner, video.project) if r.max_in_flight is not None]
    return min(caps) if caps else None


# ---------------------------------------------------------------------------------------------------------------
# What is left (the create form, the admin, the command)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Limit:
    """One limited dimension of one rule, in its current period."""

    rule: QuotaRule
    kind: str  # "videos", "seconds" or "spend"
    limit: Decimal | int  # including this period's grants
    used: Decimal | int
    resets_at: datetime

    @property
    def left(self) -> Decimal | int:
        return max(self.limit - self.used, 0)

    def __str__(self) -> str:
        scope = "project" if self.rule.project_id else "you"
        if self.kind == "spend":
            amount = f"{money(self.left)} of {money(self.limit)}"
        else:
            amount = f"{self.left:,} of {self.limit:,} {self.kind}"
        return f"{amount} left {PERIOD_NOUN[self.rule.period]} ({scope}), until {when(self.resets_at)}"


@dataclass
class Allowance:
    """What a user may still do in a project. `str(allowance)` is a one-line summary for pages, e.g.
    "$4.20 of $5.00 left this month (you), until 1 Dec 2026 00:00 UTC · 4 of 10 videos left …".

    `limits`: every limited dimension; `spend_left`, `videos_left`, `seconds_left`: the tightest (None: unlimited);
    `models`: the models allowed (None: all); `max_in_flight`: the per-user cap, if any.
    `allows(cost=, seconds=, videos=1)` says whether a submission of that size fits now.
    """

    limits: list[Limit] = field(default_factory=list)
    models: list[str] | None = None
    max_in_flight: int | None = None

    def _tightest(self, kind: str) -> Limit | None:
        candidates = [lim for lim in self.limits if lim.kind == kind]
        return min(candidates, key=lambda lim: lim.left) if candidates else None

    @property
    def spend_left(self) -> Decimal | None:
        lim = self._tightest("spend")
        return lim.left if lim else None

    @property
    def videos_left(self) -> int | None:
        lim = self._tightest("videos")
        return lim.left if lim else None

    @property
    def seconds_left(self) -> int | None:
        lim = self._tightest("seconds")
        return lim.left if lim else None

    def allows(self, *, cost: Decimal, seconds: int, videos: int = 1, model: str | None = None) -> bool:
        if model is not None and self.models is not None and model not in self.models:
            return False
        return not (
            (self.spend_left is not None and Decimal(cost) > self.spend_left)
            or (self.videos_left is not None and videos > self.videos_left)
            or (self.seconds_left is not None and seconds > self.seconds_left)
        )

    def __bool__(self) -> bool:
        return bool(self.limits) or self.models is not None or self.max_in_flight is not None

    def __str__(self) -> str:
        parts = [str(lim) for kind in ("spend", "videos", "seconds") if (lim := self._tightest(kind))]
        if self.models is not None:
            parts.append(f"models: {', '.join(self.models) or 'none'}")
        if self.max_in_flight is not None:
            parts.append(f"at most {self.max_in_flight} rendering at once")
        return " · ".join(parts) if parts else "No limits."


def _limits(rule: QuotaRule, usage: QuotaUsage | None, end: datetime) -> Iterable[Limit]:
    u = usage or QuotaUsage()
    if rule.max_spend is not None:
        yield Limit(rule, "spend", rule.max_spend + u.extra_spend, u.spend, end)
    if rule.max_videos is not None:
        yield Limit(rule, "videos", rule.max_videos + u.extra_videos, u.videos, end)
    if rule.max_seconds is not None:
        yield Limit(rule, "seconds", rule.max_seconds + u.extra_seconds, u.seconds, end)


def allowance_for(*, user, project, now: datetime | None = None) -> Allowance | None:
    """What the user may still do in this project now (None: no limits apply). Reads only; never creates rows."""
    now = now or timezone.now()
    rules = rules_for(user, project)
    if not rules:
        return None
    allowance = Allowance()
    for rule in rules:
        start, end = period_bounds(rule.period, now)
        usage = QuotaUsage.objects.filter(rule=rule, user=_subject(rule, user), period_start=start).first()
        allowance.limits.extend(_limits(rule, usage, end))
        if rule.allowed_models:
            allowed = set(rule.allowed_models)
            base = rule.allowed_models if allowance.models is None else allowance.models
            allowance.models = [m for m in base if m in allowed]
        if rule.max_in_flight is not None:
            allowance.max_in_flight = min(allowance.max_in_flight or rule.max_in_flight, rule.max_in_flight)
    return allowance if allowance else None


def usage_for(rule: QuotaRule, user=None, now: datetime | None = None) -> list[Limit]:
    """The current period's limits of one rule (for the command and the admin)."""
    start, end = period_bounds(rule.period, now)
    usage = QuotaUsage.objects.filter(rule=rule, user=_subject(rule, user), period_start=start).first()
    return list(_limits(rule, usage, end))
