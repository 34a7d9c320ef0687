"""In a real browser: make a character from an uploaded clip, create a video with it, see it on the video page."""

from __future__ import annotations

import pytest

from characters.models import CharacterUpload
from tests.conftest import PASSWORD
from tests.e2e.conftest import browser_type_launch_args, q_cluster  # noqa: F401  (fixtures: Chromium, a cluster)
from tests.e2e.pages import axe_check, shot
from videos.sora.simulator.models import SimCharacter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def serious(page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations on the page."""
    found = axe_check(page)
    return [f"{v['id']}: {v['nodes']}" for impact in ("serious", "critical") for v in found.get(impact, [])]


def test_a_character_from_a_clip_goes_into_a_video(q_cluster, studio, page, alice, project, clip_files):  # noqa: F811
    page.set_default_timeout(30_000)
    page.goto(f"{studio.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{studio.url}/")

    page.goto(f"{studio.url}/projects/{project.public_id}/videos/")
    page.click("text=Cast")
    page.fill(".character-form input[name=name]", "Mika")
    page.set_input_files(".character-form input[name=clip]", str(clip_files("portrait")))
    page.click(".character-form button[type=submit]")
    page.wait_for_selector("text=Mika joined the cast")
    card = page.locator("[data-character='Mika']")
    assert card.count() == 1
    page.wait_for_function(
        "document.querySelector(\"[data-character='Mika'] img\").naturalWidth === 720", timeout=10_000
    )  # the thumbnail made from the clip loads
    assert serious(page) == []
    shot(page, "characters-1-cast")

    page.goto(f"{studio.url}/projects/{project.public_id}/videos/new/")
    page.fill("textarea[name=prompt]", "A courier hands a parcel over a café counter")
    page.select_option("select[name=size]", "720x1280")
    page.get_by_label("Mika").check()
    assert page.inner_text("[data-cast-note]") == "Mention Mika in the prompt."
    page.fill("textarea[name=prompt]", "Mika hands a parcel over a café counter")
    assert page.locator("[data-cast-note]").is_hidden()
    assert serious(page) == []
    shot(page, "characters-2-create")
    page.click(".create-form button[type=submit]")
    page.wait_for_selector("[data-media-for]")
    assert page.locator("[data-video-cast]").inner_text().strip() == "Mika"

    page.wait_for_selector("video[data-player]", timeout=90_000)  # rendered, with the character, and saved
    assert SimCharacter.objects.filter(name="Mika").count() == 1
    assert CharacterUpload.objects.get().upstream_id == SimCharacter.objects.get().id
    page.reload()
    assert "Mika" in page.locator("[data-video-cast]").inner_text()
    assert "Make a character from this video" in page.content()
    assert serious(page) == []
    shot(page, "characters-3-video")
