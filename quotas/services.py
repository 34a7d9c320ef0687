"""Quotas: reserve at submit, settle on completion, refund on failure (the writes; reads are in selectors.py).

Rules (quotas.models.QuotaRule) limit videos, seconds and spend per day, week or month, for a user, for a project,
or as the site default (which applies, counted per user, to every user without a rule of their own). Every rule
that applies must allow a submission: the tightest wins.

How a reservation stays correct under concurrency, on SQLite and PostgreSQL alike (ECOSYSTEM 7.1): each rule has a
usage row per period (created beforehand with get_or_create), and reserving is ONE conditional UPDATE per row:

    UPDATE usage SET videos = videos + n, ... WHERE id = .. AND videos <= extra_videos + (limit - n) AND ...

It changes one row or none; the database re-checks the WHERE under its row lock, so 50 simultaneous submits against
a limit of 10 end with exactly 10 accepted. Rows are updated in rule-id order (no deadlocks), inside the caller's
transaction, so a refusal on a later rule rolls the earlier ones back. Spend is counted in integer micro-dollars.

Each charged item (a video today; any object with owner, project, model, seconds and estimated_cost) gets one
QuotaCharge (the ledger), which names it by type and id. settle() and refund() move it out of `reserved` with a conditional
UPDATE and only then adjust the usage rows, so running either twice (or both) changes nothing the second time.

Other code calls:
    reserve(items)             inside the submit transaction, after the items are saved; raises QuotaExceeded
    settle(item)               when it completed (its reservation becomes spend)
    refund(item)               when it failed or was deleted before it cost anything
    grant(rule=, user=, videos=, seconds=, spend=, note=, actor=)   a one-off extra allowance for this period
    period_bounds(period, now) -> (start, end)
and, in selectors.py, allowance_for(user=, project=) (what is left, for the create form), usage_for(rule),
max_in_flight(item) (the owner's own cap of jobs in flight, for scheduling).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.actors import Actor
from quotas.models import MICROS, QuotaCharge, QuotaGrant, QuotaRule, QuotaUsage

Period = QuotaRule.Period
PERIOD_WORD = {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}
PERIOD_NOUN = {Period.DAY: "today", Period.WEEK: "this week", Period.MONTH: "this month"}


# ---------------------------------------------------------------------------------------------------------------
# Money and periods
# ---------------------------------------------------------------------------------------------------------------
def to_micros(amount: Decimal | int | str) -> int:
    return int((Decimal(str(amount)) * MICROS).to_integral_value(rounding=ROUND_HALF_UP))


def from_micros(micros: int) -> Decimal:
    return Decimal(micros) / MICROS


def money(amount: Decimal | int) -> str:
    return f"${Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def when(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def period_bounds(period: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the period containing `now`, in UTC: days from midnight, weeks from Monday, months from the
    1st."""
    now = (now or timezone.now()).astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Period.DAY:
        return day, day + timedelta(days=1)
    if period == Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period == Period.MONTH:
        start = day.replace(day=1)
        end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
        return start, end
    raise ValueError(f"Unknown period {period!r}")


# ---------------------------------------------------------------------------------------------------------------
# Which rules apply
# ---------------------------------------------------------------------------------------------------------------
def rules_for(user, project) -> list[QuotaRule]:
    """The rules that apply to `user` making videos in `project`: the user's own rules (or, when they have none, the
    site defaults) and the project's rules. Ordered by id (the locking order)."""
    user_rules = list(QuotaRule.objects.filter(user=user)) if user is not None else []
    if not user_rules:
        user_rules = list(QuotaRule.objects.filter(user__isnull=True, project__isnull=True))
    project_rules = list(QuotaRule.objects.filter(project=project)) if project is not None else []
    return sorted(user_rules + project_rules, key=lambda r: r.id)


def _subject(rule: QuotaRule, user):
    """Whose usage a rule counts: a user's (user rules and site defaults) or the whole project's (None)."""
    if rule.project_id:
        return None
    return rule.user if rule.user_id else user


def _usage_row(rule: QuotaRule, user, period_start: datetime) -> QuotaUsage:
    subject = _subject(rule, user)
    try:
        row, _ = QuotaUsage.objects.get_or_create(rule=rule, user=subject, period_start=period_start)
    except IntegrityError:  # created concurrently (get_or_create retries the get, but be explicit)
        row = QuotaUsage.objects.get(rule=rule, user=subject, period_start=period_start)
    return row


def _phrase(rule: QuotaRule, what: str) -> str:
    """ "Your monthly spend limit", "The site's default daily limit", "The weekly limit of project “Launch”"."""
    word = PERIOD_WORD[rule.period]
    if rule.project_id:
        return f"The {word} {what} of project “{rule.project}”"
    if rule.user_id:
        return f"Your {word} {what}"
    return f"The site's default {word} {what}"


# ---------------------------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------------------------
class QuotaExceeded(ValidationError):
    """A submission over a limit. The message says which limit, what is left, and when it resets; the attributes
    carry the same for code (`kind` is "videos", "seconds", "spend" or "model")."""

    def __init__(self, message: str, *, rule: QuotaRule | None = None, kind: str = "", left=None, resets_at=None):
        super().__init__(message, code="quota_exceeded")
        self.rule, self.kind, self.left, self.resets_at = rule, kind, left, resets_at


def _refusal(rule: QuotaRule, user, usage: QuotaUsage, n: int, seconds: int, cost_micros: int) -> QuotaExceeded:
    _, end = period_bounds(rule.period, usage.period_start)
    these = "this video" if n == 1 else f"these {n} videos"
    if rule.max_spend is not None:
        left = (
            to_micros(rule.max_spend)
            + usage.extra_spend_micros
            - usage.spend_reserved_micros
            - usage.spend_settled_micros
        )
        if cost_micros > left:
            left = max(0, left)
            return QuotaExceeded(
                f"{_phrase(rule, 'spend limit')} is {money(rule.max_spend)}; {money(from_micros(left))} is left until "
                f"{when(end)}; {these} cost{'s' if n == 1 else ''} {money(from_micros(cost_micros))}.",
                rule=rule, kind="spend", left=from_micros(left), resets_at=end,
            )  # fmt: skip
    if rule.max_videos is not None:
        left = rule.max_videos + usage.extra_videos - usage.videos
        if n > left:
            left = max(0, left)
            return QuotaExceeded(
                f"{_phrase(rule, 'limit')} is {rule.max_videos} video{'s' if rule.max_videos != 1 else ''}; {left} "
                f"{'is' if left == 1 else 'are'} left until {when(end)}; this needs {n}.",
                rule=rule, kind="videos", left=left, resets_at=end,
            )  # fmt: skip
    if rule.max_seconds is not None:
        left = max(0, rule.max_seconds + usage.extra_seconds - usage.seconds)
        return QuotaExceeded(
            f"{_phrase(rule, 'limit')} is {rule.max_seconds:,} seconds of video; {left:,} are left until {when(end)}; "
            f"{these} need{'s' if n == 1 else ''} {seconds:,}.",
            rule=rule, kind="seconds", left=left, resets_at=end,
        )  # fmt: skip
    return QuotaExceeded(f"{_phrase(rule, 'quota')} is used up until {when(end)}.", rule=rule, resets_at=end)


# ---------------------------------------------------------------------------------------------------------------
# Reserve, settle, refund
# ---------------------------------------------------------------------------------------------------------------
class Chargeable(Protocol):
    """Anything quotas can charge: a saved row with these attributes (videos.Video is one)."""

    pk: int
    owner: Any
    project: Any
    model: str
    seconds: int
    estimated_cost: Decimal


def item_type(item) -> str:
    return item._meta.label_lower


def reserve(videos: list[Chargeable], now: datetime | None = None) -> None:
    """Reserve the estimated cost of `videos` (any chargeable items: one owner, one project, already saved) against
    every rule that applies, atomically. Raises QuotaExceeded (nothing reserved) when any rule would be exceeded or
    forbids the model."""
    if not videos:
        return
    now = now or timezone.now()
    owner, project = videos[0].owner, videos[0].project
    rules = rules_for(owner, project)
    n = len(videos)
    seconds = sum(int(v.seconds) for v in videos)
    cost_micros = sum(to_micros(v.estimated_cost) for v in videos)
    for rule in rules:
        if rule.allowed_models:
            for model in sorted({v.model for v in videos}):
                if model not in rule.allowed_models:
                    raise QuotaExceeded(
                        f"{_phrase(rule, 'quota')} does not include {model}; it allows "
                        f"{', '.join(rule.allowed_models)}.",
                        rule=rule, kind="model",
                    )  # fmt: skip
    with transaction.atomic():
        usages: list[QuotaUsage] = []
        for rule in rules:
            start, _ = period_bounds(rule.period, now)
            usage = _usage_row(rule, owner, start)
            usages.append(usage)
            match = QuotaUsage.objects.filter(pk=usage.pk)
            if rule.max_videos is not None:
                match = match.filter(videos__lte=F("extra_videos") + (rule.max_videos - n))
            if rule.max_seconds is not None:
                match = match.filter(seconds__lte=F("extra_seconds") + (rule.max_seconds - seconds))
            if rule.max_spend is not None:
                budget = to_micros(rule.max_spend) - cost_micros
                match = match.filter(
                    spend_settled_micros__lte=F("extra_spend_micros") - F("spend_reserved_micros") + budget
                )
            changed = match.update(
                videos=F("videos") + n,
                seconds=F("seconds") + seconds,
                spend_reserved_micros=F("spend_reserved_micros") + cost_micros,
                updated_at=now,
            )
            if not changed:
                usage.refresh_from_db()
                raise _refusal(rule, owner, usage, n, seconds, cost_micros)
        for video in videos:
            charge = QuotaCharge.objects.create(
                item_type=item_type(video), item_id=video.pk, user=owner, project=project, model=video.model,
                seconds=int(video.seconds), cost_micros=to_micros(video.estimated_cost),
            )  # fmt: skip
            if usages:
                charge.usages.set(usages)


def _release(item: Chargeable, to_state: str) -> bool:
    """Move the item's charge from reserved to `to_state` exactly once, adjusting the usage rows it counted in."""
    with transaction.atomic():
        charge = QuotaCharge.objects.filter(
            item_type=item_type(item), item_id=item.pk, state=QuotaCharge.State.RESERVED
        ).first()
        if charge is None:
            return False
        if not QuotaCharge.objects.filter(id=charge.id, state=QuotaCharge.State.RESERVED).update(
            state=to_state, updated_at=timezone.now()
        ):
            return False  # someone else settled or refunded it just now
        usage_ids = sorted(charge.usages.values_list("id", flat=True))
        for usage_id in usage_ids:
            rows = QuotaUsage.objects.filter(id=usage_id)
            if to_state == QuotaCharge.State.SETTLED:
                rows.update(
                    spend_reserved_micros=F("spend_reserved_micros") - charge.cost_micros,
                    spend_settled_micros=F("spend_settled_micros") + charge.cost_micros,
                )
            else:
                rows.update(
                    videos=F("videos") - 1,
                    seconds=F("seconds") - charge.seconds,
                    spend_reserved_micros=F("spend_reserved_micros") - charge.cost_micros,
                )
    return True


def settle(video: Chargeable) -> bool:
    """The video completed: its reservation becomes spend. Idempotent; True if this call settled it."""
    return _release(video, QuotaCharge.State.SETTLED)


def refund(video: Chargeable) -> bool:
    """The video failed or was cancelled before it cost anything: release its reservation (videos, seconds and
    spend). Idempotent, and a no-op after settle; True if this call refunded it."""
    return _release(video, QuotaCharge.State.REFUNDED)


# ---------------------------------------------------------------------------------------------------------------
# Grants
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def grant(
    *, rule: QuotaRule, user=None, videos: int = 0, seconds: int = 0, spend: Decimal | int | str = 0, note: str = "",
    actor: Actor, now: datetime | None = None,
) -> QuotaGrant:  # fmt: skip
    """A one-off extra allowance on `rule` for its current period (`user`: whom, for a site default). Its rules are
    QuotaGrant.clean's."""
    spend = Decimal(str(spend))
    record = QuotaGrant(
        rule=rule, user=_subject(rule, user), period_start=period_bounds(rule.period, now)[0], extra_videos=videos,
        extra_seconds=seconds, extra_spend=spend, note=note, granted_by=actor.user,
    )  # fmt: skip
    record.full_clean(exclude=["granted_by"])
    record.save()
    usage = _usage_row(rule, user, record.period_start)
    QuotaUsage.objects.filter(pk=usage.pk).update(
        extra_videos=F("extra_videos") + videos,
        extra_seconds=F("extra_seconds") + seconds,
        extra_spend_micros=F("extra_spend_micros") + to_micros(spend),
    )
    from audit import services as audit

    audit.record(actor=actor, action="quota.grant", target=rule, project=rule.project,
                 on_behalf_of=record.user, detail={"videos": videos, "seconds": seconds, "spend": str(spend),
                                                   "note": note[:200]})  # fmt: skip
    return record
