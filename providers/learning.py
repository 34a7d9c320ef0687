"""What the pipeline learns about a provider while it works: a route it tried and found missing (a 405 on DELETE,
say) is written into the provider's capability profile, so the next job takes the path the provider supports
without trying again. Only ever narrows what a profile says; the conformance probe measures everything anew."""

from __future__ import annotations

import logging

from django.db import transaction

from providers.models import Provider

log = logging.getLogger(__name__)


@transaction.atomic
def learn_missing(provider: Provider, section: str, name: str, why: str) -> None:
    """Record that `section`/`name` (e.g. routes/delete, variants/thumbnail) is missing on this provider."""
    if provider.is_simulator:
        return
    row = Provider.objects.select_for_update().get(pk=provider.pk)
    profile = dict(row.profile or {})
    known = dict(profile.get(section) or {})
    if known.get(name) is False:
        return
    known[name] = False
    profile[section] = known
    notes = dict(profile.get("learned") or {})
    notes[f"{section}.{name}"] = why[:200]
    profile["learned"] = notes
    Provider.objects.filter(pk=row.pk).update(profile=profile)
    provider.profile = profile
    log.info("provider %s: %s %s is missing (%s); noted in its capability profile", provider.slug, section, name, why)
