"""The model registry: an admin can point a model at another compatible server, whose key comes from a named
environment variable (never stored); the studio then sends that model's jobs there, with that key."""

from __future__ import annotations

import pytest

from videos import services, tasks
from videos.models import SoraModel, Video
from videos.sora.client import SoraClient, get_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partner(studio, monkeypatch):
    """The dated snapshot served by "another" server (the simulator under another key)."""
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_follow", lambda: None)
    SoraModel.objects.filter(name="sora-2-2025-12-08").update(
        base_url=f"{studio.url}/sim/v1", api_key_env="PARTNER_SORA_KEY"
    )
    return SoraClient(api_key="sk-partner-123", base_url=f"{studio.url}/sim/v1")


def _submit(alice, project, model):
    return services.video_submit(project=project, user=alice, prompt="A heron lands on a pier", model=model,
                                 size="720x1280", seconds=4)  # fmt: skip


def test_a_registry_model_goes_to_its_own_server_with_its_own_key(partner, alice, project, monkeypatch):
    monkeypatch.setenv("PARTNER_SORA_KEY", "sk-partner-123")
    video = _submit(alice, project, "sora-2-2025-12-08")

    services.video_start(video_id=video.id)

    video.refresh_from_db()
    assert video.upstream_id and video.status in (Video.Status.QUEUED, Video.Status.IN_PROGRESS)
    assert [job.id for job in partner.list()] == [video.upstream_id]  # under the partner's key...
    assert list(get_client().list()) == []  # ...not the default one


def test_an_empty_key_variable_fails_the_video_with_a_message_naming_it(partner, alice, project, monkeypatch):
    monkeypatch.delenv("PARTNER_SORA_KEY", raising=False)
    video = _submit(alice, project, "sora-2-2025-12-08")

    services.video_start(video_id=video.id)

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.upstream_id is None
    assert "PARTNER_SORA_KEY" in video.error_message
    assert list(partner.list()) == []
