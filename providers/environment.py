"""Providers from the environment, so a deployment is set up without clicking.

- The built-in simulator is always a provider (slug `simulator`); it is active when SORA_SIMULATOR is on.
- OPENAI_BASE_URL / OPENAI_API_KEY (the variables the OpenAI SDK reads) describe one more provider, slug `openai`,
  whenever either is set: a gateway such as a LiteLLM proxy, a relay, or an open-model server.
A provider that has no models yet gets the built-in catalogue (videos/sora/catalog.py); the admin and
`manage.py provider` edit them afterwards. Runs after every `migrate` (and after a test database flush).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from providers.models import Provider, ProviderModel

LABELS = {"sora-2": "Sora 2 (fast)", "sora-2-pro": "Sora 2 Pro (high fidelity)"}
ENV_SLUG = "openai"


def seed_catalogue(provider: Provider) -> None:
    from videos.sora.catalog import MODELS

    for order, spec in enumerate(MODELS.values()):
        ProviderModel.objects.get_or_create(
            provider=provider,
            name=spec.name,
            defaults={
                "label": LABELS.get(spec.name, f"{spec.name} (snapshot)"),
                "prices": {size: str(price) for size, price in spec.prices.items()},
                "seconds": list(spec.seconds),
                "sort_order": order,
            },
        )


def seed_named(provider: Provider, names: list[str]) -> None:
    """Models named in the environment (OPENAI_MODELS), with the contract's sizes, lengths and sora-2's price until
    an operator or the probe says better; a name the catalogue knows keeps its catalogue values."""
    from videos.sora.catalog import MODELS, SECONDS, SIZES_720P

    for order, name in enumerate(names):
        spec = MODELS.get(name)
        prices = {size: str(price) for size, price in spec.prices.items()} if spec else {s: "0.10" for s in SIZES_720P}
        ProviderModel.objects.get_or_create(
            provider=provider, name=name,
            defaults={"label": LABELS.get(name, name), "prices": prices, "seconds": list(SECONDS), "sort_order": order},
        )  # fmt: skip


@transaction.atomic
def sync() -> list[Provider]:
    simulator, _ = Provider.objects.get_or_create(
        slug=Provider.SIMULATOR_SLUG,
        defaults={"name": "Built-in simulator", "kind": Provider.Kind.SIMULATOR, "sort_order": 100},
    )
    if simulator.is_active != settings.SORA_SIMULATOR:
        Provider.objects.filter(pk=simulator.pk).update(is_active=settings.SORA_SIMULATOR)
    if not simulator.models.exists():
        seed_catalogue(simulator)
    synced = [simulator]
    if settings.OPENAI_PROVIDER_FROM_ENV:
        provider, created = Provider.objects.update_or_create(
            slug=ENV_SLUG,
            defaults={
                "name": settings.OPENAI_PROVIDER_NAME,
                "kind": Provider.Kind.REMOTE,
                "base_url": settings.OPENAI_BASE_URL,
                "api_key_env": "OPENAI_API_KEY" if settings.OPENAI_API_KEY else "",
                "webhook_secret_env": "OPENAI_WEBHOOK_SECRET" if settings.OPENAI_WEBHOOK_SECRET else "",
                "is_active": True,
            },
        )
        if settings.OPENAI_MODELS:
            seed_named(provider, settings.OPENAI_MODELS)
        elif not provider.models.exists():
            seed_catalogue(provider)
        synced.append(provider)
    return synced


def sync_after_migrate(*, using: str = "default", **kwargs) -> None:
    if using == "default":
        sync()
