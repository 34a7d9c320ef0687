"""Providers from the environment: the simulator is always one; OPENAI_BASE_URL / OPENAI_API_KEY make another, so a
deployment needs no clicking. The client of each comes from the provider row and the key from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from providers.clients import client_for
from providers.environment import sync
from providers.models import Provider
from videos.sora.errors import SoraError


def settings_in_a_fresh_process(env: dict[str, str]) -> dict:
    """What config.settings makes of `env` (settings read the environment at import)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_", "SIMULATOR_"))}
    code = (
        "import json; from django.conf import settings as s\n"
        "print(json.dumps({'from_env': s.OPENAI_PROVIDER_FROM_ENV, 'base': s.OPENAI_BASE_URL,"
        " 'simulator': s.SORA_SIMULATOR, 'sim_key': s.SIMULATOR_API_KEY}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**base, "DJANGO_SETTINGS_MODULE": "config.test_settings", **env},
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_the_environment_decides_which_providers_exist():
    nothing = settings_in_a_fresh_process({})
    assert (nothing["from_env"], nothing["simulator"]) == (False, True)
    assert nothing["sim_key"].startswith("sk-sim-") and len(nothing["sim_key"]) > 30  # random per installation

    keyed = settings_in_a_fresh_process({"OPENAI_API_KEY": "sk-live-9"})
    assert (keyed["from_env"], keyed["base"], keyed["simulator"]) == (True, "https://api.openai.com/v1", False)

    relay = settings_in_a_fresh_process({"OPENAI_API_KEY": "sk-9", "OPENAI_BASE_URL": "https://relay.example/v1/"})
    assert (relay["from_env"], relay["base"]) == (True, "https://relay.example/v1")

    keyless = settings_in_a_fresh_process({"OPENAI_BASE_URL": "http://127.0.0.1:8091/v1"})  # e.g. a local vLLM-Omni
    assert (keyless["from_env"], keyless["simulator"]) == (True, True)


@pytest.mark.django_db
def test_sync_makes_the_environment_provider_with_the_catalogue(settings, monkeypatch):
    settings.OPENAI_PROVIDER_FROM_ENV = True
    settings.OPENAI_BASE_URL = "https://relay.example/v1"
    settings.OPENAI_API_KEY = "sk-live-123"
    settings.OPENAI_PROVIDER_NAME = "Relay"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-123")

    sync()
    sync()  # idempotent

    provider = Provider.objects.get(slug="openai")
    assert (provider.name, provider.base_url, provider.api_key_env) == ("Relay", settings.OPENAI_BASE_URL, "OPENAI_API_KEY")
    assert set(provider.models.values_list("name", flat=True)) >= {"sora-2", "sora-2-pro"}
    client = client_for(provider)
    assert (client.base_url, client._api_key) == ("https://relay.example/v1", "sk-live-123")


@pytest.mark.django_db
def test_the_simulator_provider_uses_its_own_key_and_address(settings):
    settings.SIMULATOR_API_KEY = "sk-sim-local"
    settings.SIMULATOR_BASE_URL = ""
    settings.SITE_URL = "http://studio.example:8000"
    settings.SORA_TIMEOUT_CONNECT, settings.SORA_TIMEOUT_READ, settings.SORA_MAX_RETRIES = 2.0, 30.0, 4
    sync()

    client = client_for(Provider.objects.get(slug="simulator"))

    assert (client.base_url, client._api_key) == ("http://studio.example:8000/sim/v1", "sk-sim-local")
    assert (client.timeout, client.max_retries) == ((2.0, 30.0), 4)


@pytest.mark.django_db
def test_switching_the_simulator_off_deactivates_its_provider(settings):
    settings.SORA_SIMULATOR = False
    sync()
    simulator = Provider.objects.get(slug="simulator")
    assert not simulator.is_active
    with pytest.raises(SoraError, match="switched off"):
        client_for(simulator)
