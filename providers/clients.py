"""The client for a job comes from its provider: its base URL and the key in the environment variable it names."""

from __future__ import annotations

import os

from django.conf import settings

from providers.models import Provider
from videos.sora.client import SoraClient
from videos.sora.errors import SoraError


def api_key_for(provider: Provider) -> str:
    """The provider's key, read from the environment now. Raises a permanent SoraError naming the variable (never
    the key) when it is missing."""
    if provider.is_simulator:
        return settings.SIMULATOR_API_KEY
    name = provider.api_key_env
    if not name:
        raise SoraError(f"The provider {provider.name} has no key variable set in the studio.", retryable=False)
    from providers.keys import check_key_variable

    problem = check_key_variable(name)
    if problem:
        raise SoraError(f"The provider {provider.name} cannot be used: {problem}", retryable=False)
    key = os.environ.get(name, "").strip()
    if not key:
        raise SoraError(
            f"The provider {provider.name} needs its key in the environment variable {name}, which is empty on this "
            "server.",
            retryable=False,
        )
    return key


def client_for(provider: Provider) -> SoraClient:
    """A client for one provider. Raises SoraError (permanent) when the provider cannot be used."""
    if not provider.is_active:
        raise SoraError(f"The provider {provider.name} is switched off.", retryable=False)
    try:
        return SoraClient(
            api_key=api_key_for(provider),
            base_url=provider.effective_base_url,
            timeout=(settings.SORA_TIMEOUT_CONNECT, settings.SORA_TIMEOUT_READ),
            max_retries=settings.SORA_MAX_RETRIES,
        )
    except ValueError as exc:  # a base URL or key the client refuses; its message never quotes the key
        raise SoraError(f"The provider {provider.name} is misconfigured: {exc}", retryable=False) from None


def webhook_secret_for(provider: Provider) -> str:
    """The whsec_ secret of the provider's webhooks ('' when it has none)."""
    if provider.is_simulator:
        return settings.SIM_WEBHOOK_SECRET
    name = provider.webhook_secret_env
    if not name:
        return ""
    from providers.keys import check_key_variable

    if check_key_variable(name):
        return ""
    return os.environ.get(name, "").strip()
