"""Writes for providers: the conformance probe's results (``Provider.profile``, ``probed_at``) and its runs.

Probing sends the provider's key and may spend money, so only superusers (or the studio itself, for
``manage.py provider probe``) may do it; the services check the actor themselves. The probe's HTTP happens outside
any transaction; only the writes are atomic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind
from providers.models import ProbeRun, Provider, ProviderModel
from providers.probe import ProbeError, ProbeResult, probe

log = logging.getLogger(__name__)

MAX_CREATE_BUDGET = 10
MAX_ALLOW_SPEND = Decimal("1000.00")
# How long a queued or running probe may go without a word before another may start (its worker died).
STALE_AFTER = timedelta(hours=2)
# A probe run as a task: the whole run stays under this (the task's own timeout is a little longer).
TASK_MAX_SECONDS = 3000.0
TASK_TIMEOUT_SECONDS = 3300
TASK_POLL_INTERVAL = 2.0  # seconds between polls of a job when the server suggests none


def require_probe_actor(actor: Actor) -> None:
    """The studio itself (a command) or an active superuser: nobody else may make a provider spend, or change where
    its key and members' prompts are sent."""
    if actor.is_system:
        return
    user = actor.user
    if user is None or not user.is_active or not user.is_superuser:
        raise PermissionDenied("Only superusers may probe or change a provider: it uses the provider's key, decides "
                               "where members' prompts go, and may spend money.")  # fmt: skip


def clean_probe_limits(*, create_budget: object, allow_spend: object) -> tuple[int, Decimal]:
    """The budget and spend cap as numbers, or a ValidationError saying what is wrong (nothing is changed)."""
    errors = {}
    try:
        budget = int(create_budget)
        if not 0 <= budget <= MAX_CREATE_BUDGET:
            raise ValueError
    except (TypeError, ValueError):
        errors["create_budget"] = f"The create budget must be a whole number from 0 to {MAX_CREATE_BUDGET}."
        budget = 0
    try:
        spend = Decimal(str(allow_spend))
        if not spend.is_finite() or not Decimal("0") <= spend <= MAX_ALLOW_SPEND:
            raise InvalidOperation
        spend = spend.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["allow_spend"] = f"The spend allowed must be a dollar amount from 0 to {MAX_ALLOW_SPEND}."
        spend = Decimal("0.00")
    if errors:
        raise ValidationError(errors)
    return budget, spend


def provider_probe(
    *,
    actor: Actor,
    provider: Provider,
    allow_spend: Decimal,
    create_budget: int = 3,
    on_progress: Callable[[str], None] | None = None,
    **options,
) -> ProbeResult:
    """Probe ``provider`` and store what was measured on it. Raises PermissionDenied (not a superuser),
    ValidationError (bad limits) or ProbeError (the provider could not be measured: its profile is left alone)."""
    require_probe_actor(actor)
    create_budget, allow_spend = clean_probe_limits(create_budget=create_budget, allow_spend=allow_spend)
    log.info("probe of provider %s by %s: budget %d, up to $%s", provider.slug, actor, create_budget, allow_spend)
    result = probe(provider, allow_spend=allow_spend, create_budget=create_budget, on_progress=on_progress, **options)
    provider_store_profile(provider=provider, result=result)
    return result


@transaction.atomic
def provider_store_profile(*, provider: Provider, result: ProbeResult) -> None:
    locked = Provider.objects.select_for_update().get(pk=provider.pk)
    locked.profile = result.profile
    locked.probed_at = result.measured_at
    locked.save(update_fields=["profile", "probed_at", "updated_at"])
    provider.profile, provider.probed_at = locked.profile, locked.probed_at


# ---------------------------------------------------------------------------------------------------------------
# Probe runs (the admin): asked for in a request, run by a task, watched on a page
# ---------------------------------------------------------------------------------------------------------------
def probe_run_request(*, actor: Actor, provider: Provider, allow_spend: object, create_budget: object) -> ProbeRun:
    """Queue a probe of ``provider`` (one at a time per provider) and enqueue its task after commit."""
    require_probe_actor(actor)
    budget, spend = clean_probe_limits(create_budget=create_budget, allow_spend=allow_spend)
    from providers.probe import plan

    try:
        plan(provider, create_budget=budget)
    except ProbeError as exc:
        raise ValidationError(exc.message) from None
    with transaction.atomic():
        _fail_stale_runs(provider)
        try:
            with transaction.atomic():
                run = ProbeRun.objects.create(
                    provider=provider, requested_by=actor.user, create_budget=budget, allow_spend=spend
                )
        except IntegrityError:
            raise ValidationError(f"A probe of {provider.name} is already queued or running.") from None
        from providers import tasks

        transaction.on_commit(lambda: tasks.enqueue_probe(provider.pk))
    return run


def _fail_stale_runs(provider: Provider) -> None:
    cutoff = timezone.now() - STALE_AFTER
    ProbeRun.objects.filter(provider=provider, state__in=ProbeRun.ACTIVE, updated_at__lt=cutoff).update(
        state=ProbeRun.State.FAILED, error="Interrupted: no progress for two hours.", finished_at=timezone.now()
    )


def probe_run_execute(*, provider_id: int, **options) -> ProbeRun | None:
    """Run the oldest queued probe of a provider (the task). Safe to call twice: a run is claimed once."""
    run = ProbeRun.objects.filter(provider_id=provider_id, state=ProbeRun.State.QUEUED).order_by("created_at").first()
    if run is None:
        return None
    now = timezone.now()
    claimed = ProbeRun.objects.filter(pk=run.pk, state=ProbeRun.State.QUEUED).update(
        state=ProbeRun.State.RUNNING, started_at=now
    )
    if claimed != 1:
        return None
    # The admin who asked (checked again now: a superuser then may not be one any more).
    actor = Actor(ActorKind.STAFF, run.requested_by, "probe task")

    def progress(message: str) -> None:
        line = [timezone.now().isoformat(timespec="seconds"), message]
        with transaction.atomic():
            locked = ProbeRun.objects.select_for_update().get(pk=run.pk)
            locked.progress = [*locked.progress, line][-500:]
            locked.save(update_fields=["progress", "updated_at"])

    options = {"max_seconds": TASK_MAX_SECONDS, "poll_interval": TASK_POLL_INTERVAL, **options}
    try:
        result = provider_probe(
            actor=actor, provider=run.provider, allow_spend=run.allow_spend, create_budget=run.create_budget,
            on_progress=progress, **options,
        )  # fmt: skip
    except (ProbeError, PermissionDenied, ValidationError) as exc:
        message = exc.message if isinstance(exc, ProbeError) else "; ".join(getattr(exc, "messages", [str(exc)]))
        ProbeRun.objects.filter(pk=run.pk).update(
            state=ProbeRun.State.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
        )
    except Exception:
        log.exception("probe of provider %s failed", run.provider_id)
        ProbeRun.objects.filter(pk=run.pk).update(
            state=ProbeRun.State.FAILED, error="The probe stopped on an unexpected error (see the worker's log).",
            finished_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
    else:
        ProbeRun.objects.filter(pk=run.pk).update(
            state=ProbeRun.State.DONE, table=result.profile["table"], finished_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------------------------------------------------------
# Providers and models from scripts (manage.py provider add / model): the same rules as the admin's form
# ---------------------------------------------------------------------------------------------------------------
def check_provider_fields(*, base_url: str, api_key_env: str, webhook_secret_env: str) -> None:
    from providers.keys import check_key_variable
    from providers.urls_check import check_base_url

    errors = {}
    if problem := check_base_url(base_url):
        errors["base_url"] = problem
    for name, value in (("api_key_env", api_key_env), ("webhook_secret_env", webhook_secret_env)):
        if value and (problem := check_key_variable(value)):
            errors[name] = problem
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def provider_save(
    *, actor: Actor, slug: str, name: str, base_url: str, api_key_env: str = "", webhook_secret_env: str = "",
    max_in_flight: int | None = None, is_active: bool = True,
) -> Provider:  # fmt: skip
    """Add or change a remote provider. Only superusers (or the studio itself, from a deployment script) may: its
    base URL and key variable decide where keys and every member's prompts are sent."""
    require_probe_actor(actor)
    check_provider_fields(base_url=base_url, api_key_env=api_key_env, webhook_secret_env=webhook_secret_env)
    provider = Provider.objects.filter(slug=slug).first() or Provider(slug=slug)
    if provider.is_simulator:
        raise ValidationError({"slug": "The built-in simulator is configured by SORA_SIMULATOR, not here."})
    provider.name, provider.kind, provider.base_url = name, Provider.Kind.REMOTE, base_url.rstrip("/")
    provider.api_key_env, provider.webhook_secret_env = api_key_env, webhook_secret_env
    provider.max_in_flight, provider.is_active = max_in_flight, is_active
    provider.full_clean()
    adding = provider.pk is None
    provider.save()
    from audit import services as audit

    audit.record(actor=actor, action="provider.add" if adding else "provider.change", target=provider,
                 detail={"base_url": provider.base_url, "is_active": is_active})  # fmt: skip
    return provider


@transaction.atomic
def provider_model_save(
    *, actor: Actor, provider: Provider, name: str, prices: dict[str, str], seconds: list[str], label: str = "",
    is_active: bool = True,
) -> ProviderModel:  # fmt: skip
    """Add or change one of a provider's models: the name sent upstream, its sizes with their price per second,
    and its durations."""
    require_probe_actor(actor)
    errors = {}
    if not prices:
        errors["prices"] = "Give at least one size with its price, e.g. 1280x720=0.10."
    for size, price in prices.items():
        try:
            width, height = (int(part) for part in size.lower().split("x"))
            assert width > 0 and height > 0
        except (ValueError, AssertionError):
            errors["prices"] = f"“{size}” is not a size like 1280x720."
        try:
            if not Decimal(str(price)).is_finite() or Decimal(str(price)) < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors["prices"] = f"“{price}” is not a price in USD per second."
    if not seconds or not all(str(s).isdigit() and int(s) > 0 for s in seconds):
        errors["seconds"] = "Give the durations in whole seconds, e.g. 4,8,12."
    if errors:
        raise ValidationError(errors)
    model, created = ProviderModel.objects.update_or_create(
        provider=provider, name=name,
        defaults={"label": label, "prices": {s: str(p) for s, p in prices.items()},
                  "seconds": [str(s) for s in seconds], "is_active": is_active},
    )  # fmt: skip
    from audit import services as audit

    audit.record(actor=actor, action="provider_model.add" if created else "provider_model.change", target=model,
                 detail={"provider": provider.slug, "prices": model.prices, "seconds": model.seconds})  # fmt: skip
    return model
