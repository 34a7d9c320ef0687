"""With only the environment set (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODELS), the studio works against every
kind of server the simulator can imitate, before anyone probes it: a member creates a video, its gallery card has a
thumbnail and a hover-scrub spritesheet, it is remixed where the server can remix, and it is deleted (the page
saying so where the server keeps its copy)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.actors import Actor
from providers.environment import sync
from providers.models import Provider
from tests.conftest import run_pipeline
from tests.sora.sim_profiles import PROFILE_NAMES, profile_base_url
from videos import services
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)
Status = Video.Status
# Where the server has remix (videos/sora/simulator/profiles.py).
REMIXES = {"openai", "statuswords", "longids", "relay"}


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_a_member_creates_sees_remixes_and_deletes_on_every_kind_of_server(queue, studio, settings, monkeypatch,
                                                                           alice, project, client, profile):  # fmt: skip
    model = settings.SIM_VLLM_OMNI_MODEL if profile == "vllm-omni" else "sora-2"
    settings.OPENAI_PROVIDER_FROM_ENV = True
    settings.OPENAI_BASE_URL = profile_base_url(studio.url, profile)
    settings.OPENAI_API_KEY = "sk-env-only"
    settings.OPENAI_MODELS = [model]
    settings.OPENAI_PROVIDER_NAME = f"{profile} server"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-only")
    sync()
    provider = Provider.objects.get(slug="openai")
    assert provider.profile == {}  # never probed

    video = run_pipeline(services.video_submit(actor=Actor.of_user(alice), project=project, prompt=f"A heron, {profile}",
                                      model=f"openai:{model}", size="1280x720", seconds=4))  # fmt: skip

    assert video.status == Status.COMPLETED, (video.error_code, video.error_message)
    assert set(video.asset_map) == {"video", "thumbnail", "spritesheet"}
    client.force_login(alice)
    card = client.get(reverse("videos:project-gallery", args=[project.public_id])).content.decode()
    assert reverse("videos:asset", args=[video.public_id, "thumbnail"]) in card
    assert reverse("videos:asset", args=[video.public_id, "spritesheet"]) in card  # hover scrub
    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    provider.refresh_from_db()
    capabilities = provider.capabilities
    assert ('class="edit-form"' in page) == capabilities.supports("edits")
    # Edit replaces remix where the server is known to have edits; remix stays where it is (or may be) the only way.
    assert ('class="remix-form"' in page) == (capabilities.supports("remix") and capabilities.knows("edits") is not True)

    if profile in REMIXES:
        child = run_pipeline(services.video_remix(actor=Actor.of_user(alice), parent=video, prompts=["Same heron, at dusk"])[0])
        assert child.status == Status.COMPLETED and set(child.asset_map) == {"video", "thumbnail", "spritesheet"}
        services.video_delete(actor=Actor.of_user(alice), video=child)

    deleted = client.post(reverse("videos:delete", args=[video.public_id]), follow=True).content.decode()
    assert not Video.objects.filter(id=video.id).exists()
    assert ("keeps its own copy" in deleted) == (profile == "relay")  # the relay has no delete
