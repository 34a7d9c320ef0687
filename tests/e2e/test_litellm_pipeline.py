"""The studio against the real LiteLLM proxy (in front of its simulator), configured by the environment only
(OPENAI_BASE_URL = the proxy, OPENAI_API_KEY = its key), as a deployment would be. The proxy drops `variant` (every
picture comes back as the MP4), has no delete and no list, rewrites ids into ~270-character base64 strings, and
retries failed creates itself (tests/providers/test_litellm_proxy.py holds those facts)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.actors import Actor
from providers.environment import sync
from providers.models import Provider
from quotas.models import QuotaCharge
from tests.conftest import PASSWORD, image_bytes, run_pipeline
from videos import services
from videos.models import Video
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimVideo

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))
Status = Video.Status


def configure(settings, monkeypatch, proxy, name="LiteLLM proxy") -> Provider:
    """What `OPENAI_BASE_URL=<proxy> OPENAI_API_KEY=<key>` in the environment does at migrate time."""
    settings.OPENAI_PROVIDER_FROM_ENV = True
    settings.OPENAI_BASE_URL = proxy.base_url
    settings.OPENAI_API_KEY = proxy.master_key
    settings.OPENAI_PROVIDER_NAME = name
    monkeypatch.setenv("OPENAI_API_KEY", proxy.master_key)
    sync()
    return Provider.objects.get(slug="openai")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def via_litellm(studio, litellm_proxy, settings, monkeypatch) -> Provider:
    """The studio configured for the proxy before its workers start (they read the environment when forked)."""
    return configure(settings, monkeypatch, litellm_proxy)


@pytest.mark.browser
def test_a_member_creates_remixes_and_deletes_through_litellm(via_litellm, q_cluster, alice, project, page, studio,
                                                               tmp_path):  # fmt: skip
    provider = via_litellm
    reference = tmp_path / "first-frame.png"
    reference.write_bytes(image_bytes("PNG", size=(640, 360)))
    page.set_default_timeout(30_000)
    page.goto(f"{studio.url}{reverse('login')}")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")

    page.goto(f"{studio.url}{reverse('videos:create', args=[project.public_id])}")
    page.select_option("select[name=model]", "openai:sora-2")
    page.select_option("select[name=size]", "1280x720")
    page.fill("textarea[name=prompt]", "A paper lantern drifting over a night river, wide shot")
    page.set_input_files("input[name=input_reference]", str(reference))
    page.click(".create-form button[type=submit]")
    page.wait_for_selector("video[data-player]", timeout=120_000)
    _shot(page, "litellm-1-played")

    video = Video.objects.get(prompt__startswith="A paper lantern")
    assert video.provider == provider and video.status == Status.COMPLETED
    assert len(video.upstream_id) > 200 and base64.urlsafe_b64decode(video.upstream_id[6:] + "==").startswith(
        b"litellm:"
    )  # the proxy's own id, kept whole
    assert SimVideo.objects.get(prompt=video.prompt).has_reference  # the reference image reached the upstream
    origins = {a.kind: (a.origin, a.content_type) for a in video.asset_map.values()}
    assert origins["video"] == ("provider", "video/mp4")
    assert origins["thumbnail"] == ("studio", "image/webp") and origins["spritesheet"] == ("studio", "image/jpeg")

    page.goto(f"{studio.url}{reverse('videos:project-gallery', args=[project.public_id])}")
    card = page.locator(f'[data-video="{video.public_id}"]')
    assert card.locator("img").evaluate("img => img.naturalWidth") > 0  # a real picture, not an MP4 named .webp
    card.locator(".scrub").hover(position={"x": 250, "y": 90})
    assert "spritesheet" in card.locator(".scrub").evaluate("el => getComputedStyle(el).backgroundImage")
    _shot(page, "litellm-2-gallery-scrub")

    page.goto(f"{studio.url}{reverse('videos:detail', args=[video.public_id])}")
    page.fill(".remix-form textarea[name=prompt]", "Same shot, the lantern glows red")
    page.click(".remix-form button[type=submit]")
    page.wait_for_selector("video[data-player]", timeout=120_000)
    child = Video.objects.get(remixed_from=video)
    assert child.status == Status.COMPLETED and child.provider == provider and child.operation == "remix"
    _shot(page, "litellm-3-remix")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-actions-for] button.button-danger")
    page.wait_for_selector("text=keeps its own copy")
    _shot(page, "litellm-4-deleted")
    assert not Video.objects.filter(id=child.id).exists()
    provider.refresh_from_db()
    assert provider.profile["routes"]["delete"] is False  # learned from the proxy's 405


def test_a_create_the_proxy_fails_after_its_own_retries_ends_at_once_with_a_refund(queue, litellm_proxy, settings,
                                                                                   monkeypatch, alice, project):  # fmt: skip
    """The proxy retries an upstream 500 itself, then answers 500: whether a job was made is unknown, and it can't
    list its jobs to find out, so the video fails at once, naming the provider, and nothing is charged."""
    provider = configure(settings, monkeypatch, litellm_proxy)
    faults.inject("status", status=500, method="POST", path=r"^videos$", times=3)
    video = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A heron at dawn",
                                  model="openai:sora-2", size="1280x720", seconds=4)  # fmt: skip

    row = run_pipeline(video)

    assert (row.status, row.error_code) == (Status.FAILED, "outcome_unknown")
    assert "LiteLLM proxy did not say whether it made this video" in row.error_message
    assert QuotaCharge.objects.get(item_id=row.id).state == "refunded"
    assert not SimVideo.objects.filter(prompt="A heron at dawn").exists()  # and indeed nothing was made
    provider.refresh_from_db()
    assert provider.profile["routes"]["list"] is False  # learned: no list to look in


def test_ids_of_over_a_thousand_characters_through_the_proxy(queue, start_litellm_proxy, live_server, settings,
                                                             monkeypatch, alice, project):  # fmt: skip
    """The proxy in front of a server with ~1,200-character ids wraps them into ~1,700: kept whole on both
    databases, remixed by them, archived."""
    proxy = start_litellm_proxy(f"{live_server.url}/sim/longids/v1", models=["sora-2"])
    configure(settings, monkeypatch, proxy, name="LiteLLM in front of long ids")
    parent = run_pipeline(services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A red kite, wide",
                                        model="openai:sora-2", size="1280x720", seconds=4))  # fmt: skip
    assert parent.status == Status.COMPLETED and len(parent.upstream_id) > 1000
    assert Video.objects.get(upstream_id=parent.upstream_id) == parent

    child = run_pipeline(services.video_remix(actor=Actor.of_user(alice), parent=parent, prompts=["Same kite at dusk"])[0])

    assert child.status == Status.COMPLETED and len(child.upstream_id) > 1000
    assert set(child.asset_map) == {"video", "thumbnail", "spritesheet"}
