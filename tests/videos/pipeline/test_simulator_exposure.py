"""Reaching /sim/v1/ is not reaching the studio's videos: the studio talks to its simulator with a key random per
installation, and the simulator keeps each key's jobs apart."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import sim_client
from videos.sora.client import SoraClient
from videos.sora.errors import SoraError

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stranger_with_any_key_sees_none_of_the_studios_jobs(studio):
    ours = sim_client().create("A private storyboard shot", model="sora-2", size="720x1280", seconds="4")
    assert settings.SIMULATOR_API_KEY not in ("sk-sim-local", "") and len(settings.SIMULATOR_API_KEY) > 30

    for key in ("sk-sim-local", "anything"):
        stranger = SoraClient(api_key=key, base_url=f"{studio.url}/sim/v1", max_retries=0)
        assert list(stranger.list()) == []
        for call in (stranger.retrieve, stranger.delete):
            with pytest.raises(SoraError) as refused:
                call(ours.id)
            assert refused.value.status == 404
    assert sim_client().retrieve(ours.id).id == ours.id  # still there, still ours
