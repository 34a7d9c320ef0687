"""Pointing a client at a simulator profile (videos/sora/simulator/profiles.py).

Use anywhere in the test suite::

    from tests.sora.sim_profiles import PROFILE_NAMES, sim_profile_url  # noqa: F401  (a fixture)

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize("profile", PROFILE_NAMES)
    def test_something(sim_profile_url, profile):
        base_url = sim_profile_url(profile)  # http://127.0.0.1:<port>/sim/<profile>/v1 ("openai": /sim/v1)

``profile_base_url(server_url, profile)`` is the same without a fixture (for a server started another way).
"""

from __future__ import annotations

import pytest

from videos.sora.simulator.profiles import DEFAULT, PROFILES

PROFILE_NAMES = tuple(PROFILES)


def profile_base_url(server_url: str, profile: str = DEFAULT) -> str:
    """The base URL (ending in /v1) at which ``server_url``'s simulator speaks as ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown simulator profile {profile!r}; known: {', '.join(PROFILE_NAMES)}")
    server_url = server_url.rstrip("/")
    return f"{server_url}/sim/v1" if profile == DEFAULT else f"{server_url}/sim/{profile}/v1"


@pytest.fixture
def sim_profile_url(live_server):
    """A function: profile name -> base URL of that profile on this test's live server."""

    def url(profile: str = DEFAULT) -> str:
        return profile_base_url(live_server.url, profile)

    return url
