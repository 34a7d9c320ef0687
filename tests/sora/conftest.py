from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def sim(request, settings, tmp_path):
    """Every simulator knob at a known value, media in this test's own folder; no render thread left behind.

    (Autouse in tests/sora, except the client's unit tests, which never reach a server.)
    """
    if request.module.__name__.endswith(("test_client", "test_signing")):
        yield settings
        return
    from videos.sora.simulator import jobs

    settings.SIM_MEDIA_DIR = str(tmp_path / "sim")
    settings.SIM_RENDER_SECONDS = 0.0
    settings.SIM_API_KEYS = []
    settings.SIM_MAX_IN_FLIGHT = 0
    settings.SIM_FAULT_RATE = 0.0
    settings.SIM_MODERATION_WORDS = ["blocked-content"]
    settings.SIM_REMIX_WINDOW_HOURS = 0
    settings.SIM_ASSET_TTL_SECONDS = 3600
    settings.SIM_WEBHOOK_URL = ""
    settings.SIM_WEBHOOK_SECRET = ""
    settings.SIM_WEBHOOK_BACKOFF_SECONDS = 0.05
    settings.SIM_FPS = 4
    yield settings
    assert jobs.wait_idle(30), "simulator threads still running"
