"""A storyboard in a real browser against the simulator, with real workers: three shots, takes generated (two for
one shot), one reordered from the keyboard, a take edited and another extended from the board, a take chosen per
shot, the final cut made and followed live, downloaded, and played by the page's <video>; the MP4 lasts the sum of
the chosen takes, and the extension's lineage names its step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assets.media import probe_mp4
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PROMPTS = [
    "Wide shot of a red kite rising over a grassy park at golden hour",
    "Close-up of the kite string humming in the wind",
    "The kite disappears into the clouds, the camera tilts up",
]


SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))


def _screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _shot_items(page):
    return page.locator("[data-shots] > [data-shot]")


def _wait_all_takes_done(page, count, timeout=120_000):
    page.wait_for_function(
        f"document.querySelectorAll('[data-take]').length === {count}"
        " && document.querySelectorAll('[data-take][data-live]').length === 0",
        timeout=timeout,
    )


def test_three_shots_become_one_downloaded_and_playing_cut(q_cluster, studio, settings, page, alice, project, tmp_path):
    from storyboards.models import FinalCut, Shot

    settings.SIM_RENDER_SECONDS = 1.0
    page.set_default_timeout(30_000)
    page.goto(f"{studio.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{studio.url}/")

    # From the project page to a new storyboard.
    page.goto(f"{studio.url}/accounts/projects/{project.public_id}/")
    page.click(".actions >> text=Storyboards")
    page.fill("input[name=title]", "The kite")
    page.select_option("select[name=size]", "1280x720")
    page.click(".board-form button[type=submit]")
    page.wait_for_selector("h1:has-text('The kite')")

    for prompt in PROMPTS:
        page.fill(".shot-form textarea[name=prompt]", prompt)
        page.select_option(".shot-form select[name=model]", "simulator:sora-2")
        page.select_option(".shot-form select[name=seconds]", "4")
        page.click(".shot-form button[type=submit]")
        page.wait_for_selector(f"[data-shot] .shot-prompt:has-text('{prompt[:30]}')")
    assert _shot_items(page).count() == 3

    # Reorder from the keyboard: shot 3 up one place, then back down (each drop is saved at once).
    handle = _shot_items(page).nth(2).locator("[data-handle]")
    handle.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    page.wait_for_selector("[data-reorder-live]:has-text('Order saved')")
    assert list(Shot.objects.order_by("position").values_list("prompt", flat=True)) == [
        PROMPTS[0],
        PROMPTS[2],
        PROMPTS[1],
    ]
    _shot_items(page).nth(1).locator("[data-handle]").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.wait_for_function(
        "document.querySelectorAll('[data-shots] > [data-shot] [data-position]')[2].textContent === '3'"
    )
    page.wait_for_timeout(500)
    assert list(Shot.objects.order_by("position").values_list("prompt", flat=True)) == PROMPTS

    # Generate takes: one per shot, two for the first; they render live on the page.
    for n in (0, 0, 1, 2):
        with page.expect_navigation():
            _shot_items(page).nth(n).locator("[data-generate]").click()
    _wait_all_takes_done(page, 4)
    assert page.locator("[data-take] video").count() == 4

    # From the board: edit shot 1's first take, extend shot 2's take by 4 s; each is a new take of its shot.
    take = _shot_items(page).nth(0).locator("[data-take]").nth(0)
    take.locator("summary:has-text('Edit')").click()
    take.locator("textarea[id^=edit-]").fill("Make the kite bright blue")
    with page.expect_navigation():
        take.locator("button:has-text('Edit take 1')").click()
    take = _shot_items(page).nth(1).locator("[data-take]").nth(0)
    take.locator("summary:has-text('Extend')").click()
    take.locator("textarea[id^=extend-]").fill("The string snaps and the kite drifts away")
    take.locator("select[name=seconds]").select_option("4")
    with page.expect_navigation():
        take.locator("button:has-text('Extend take 1')").click()
    _wait_all_takes_done(page, 6)
    assert "edit of take 1" in _shot_items(page).nth(0).locator("[data-take]").nth(2).inner_text()
    assert "extension of take 1" in _shot_items(page).nth(1).locator("[data-take]").nth(1).inner_text()

    # Choose a take per shot: the edit for shot 1, the 8 s extension for shot 2, the only take of shot 3.
    for n, take in ((0, 3), (1, 2), (2, 1)):
        with page.expect_navigation():
            _shot_items(page).nth(n).locator(f"[data-choose]:has-text('Choose take {take}')").click()
    assert page.locator(".take-chosen").count() == 3
    _screenshot(page, "storyboard-1-chosen")

    page.click("[data-make-cut]")
    page.wait_for_selector("h1:has-text('Final cut 1')")
    page.wait_for_selector("video[data-player]", timeout=120_000)
    cut = FinalCut.objects.get()
    assert cut.status == "completed", cut.error_message

    with page.expect_download() as info:
        page.click("[data-download]")
    path = tmp_path / "cut.mp4"
    info.value.save_as(path)
    mp4 = probe_mp4(path)
    assert mp4.duration_seconds == pytest.approx(4 + 8 + 4, abs=0.2) and (mp4.width, mp4.height) == (1280, 720)
    assert mp4.has_audio

    page.wait_for_function("document.querySelector('video[data-player]').readyState >= 1", timeout=30_000)
    page.evaluate("document.querySelector('video[data-player]').muted = true")
    page.evaluate("document.querySelector('video[data-player]').play()")
    page.wait_for_function("document.querySelector('video[data-player]').currentTime > 0.3", timeout=30_000)
    played = page.evaluate(
        "(() => { const v = document.querySelector('video[data-player]');"
        " return {w: v.videoWidth, h: v.videoHeight, d: v.duration, r: v.readyState}; })()"
    )
    assert (played["w"], played["h"]) == (1280, 720) and played["r"] >= 2
    assert played["d"] == pytest.approx(16, abs=0.2)
    _screenshot(page, "storyboard-2-cut")

    page.click("text=Shot list (printable)")
    assert page.locator(".shot-list tbody tr").count() == 3
    assert "00:00:04.000" in page.inner_text(".shot-list") and "00:00:12.000" in page.inner_text(".shot-list")
    assert "00:00:16.000" in page.inner_text(".shot-list")

    # Each take keeps its lineage: the extension's video page names the step.
    from videos.models import Video

    extension = Video.objects.get(operation="extend")
    page.goto(f"{studio.url}/videos/{extension.public_id}/")
    assert "extension to 8 s" in page.inner_text(".lineage")
