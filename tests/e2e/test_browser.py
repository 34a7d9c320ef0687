"""A new user in a real browser: log in, create a video, watch the progress bar fill without reloading, play it,
edit it twice (the simulator has edits, so Edit is offered where Remix was), and see the three-generation lineage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))

# Records every value the page's progress bars show, so a test can tell the bar filled live.
RECORD_PROGRESS = """
() => {
  window.__progress = [];
  window.__loads = (window.__loads || 0) + 1;
  const seen = () => document.querySelectorAll('[role=progressbar]').forEach(
    (bar) => window.__progress.push(parseInt(bar.getAttribute('aria-valuenow'), 10)));
  seen();
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, attributes: true});
}
"""


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _wait_until_playable(page, timeout=90_000):
    """Wait, without reloading, until the player appears and the page has filled in the rest (its forms, the
    lineage) around it; return what the progress bar showed on the way."""
    page.wait_for_selector("video[data-player]", timeout=timeout)
    page.evaluate("window.__player = document.querySelector('video[data-player]')")
    page.wait_for_selector(".edit-form", timeout=30_000)
    # The player that appeared is kept by that refresh, not replaced (whoever started watching keeps watching).
    assert page.evaluate("document.querySelector('video[data-player]') === window.__player")
    assert page.locator("video[data-player]").count() == 1
    return page.evaluate("window.__progress")


def _play(page):
    page.wait_for_function("document.querySelector('video[data-player]').readyState >= 1", timeout=30_000)
    page.evaluate("document.querySelector('video[data-player]').muted = true")
    page.evaluate("document.querySelector('video[data-player]').play()")
    page.wait_for_function("document.querySelector('video[data-player]').currentTime > 0.3", timeout=30_000)
    return page.evaluate(
        "(() => { const v = document.querySelector('video[data-player]');"
        " return {w: v.videoWidth, h: v.videoHeight, d: v.duration}; })()"
    )


def _edit(page, prompt):
    assert page.locator(".remix-form").count() == 0  # Edit replaces Remix where the provider has edits
    page.fill(".edit-form textarea[name=prompt]", prompt)
    page.click(".edit-form button[type=submit]")
    page.wait_for_selector("[data-media-for] .media-pending")
    page.evaluate(RECORD_PROGRESS)


def test_new_user_creates_watches_plays_and_edits_twice(q_cluster, studio, settings, page, alice, project):
    settings.SIM_RENDER_SECONDS = 3.0  # slow enough to watch the bar move
    page.set_default_timeout(30_000)

    page.goto(f"{studio.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{studio.url}/")
    page.goto(f"{studio.url}/projects/{project.public_id}/videos/new/")
    page.fill("textarea[name=prompt]", "Wide shot of a red kite over a grassy park at golden hour")
    page.select_option("select[name=size]", "1280x720")
    assert page.inner_text("[data-estimate]").startswith("$0.40")
    _shot(page, "1-create")
    page.click(".create-form button[type=submit]")
    page.wait_for_selector("[data-media-for]")
    page.evaluate(RECORD_PROGRESS)
    page.fill("#comment-body", "Typed while it rendered")  # the page's refresh when it is done gives it back
    _shot(page, "2-rendering")

    seen = _wait_until_playable(page)
    assert page.input_value("#comment-body") == "Typed while it rendered"
    assert page.evaluate("window.__loads") == 1, "the page reloaded"
    assert 100 in seen and seen != [100], f"the bar did not fill live: {seen}"
    assert seen == sorted(seen), f"progress went backwards: {seen}"
    played = _play(page)
    assert (played["w"], played["h"]) == (1280, 720)
    assert 3.5 <= played["d"] <= 4.5
    _shot(page, "3-playing")

    _edit(page, "Same shot, now at dusk")
    _wait_until_playable(page)
    _edit(page, "Same shot, add drifting fog")
    _wait_until_playable(page)
    _play(page)

    tree = page.locator(".lineage .tree")
    assert tree.locator(".node").count() == 3
    assert tree.locator(".node-current .node-gen").first.inner_text().lower().startswith("v3")
    assert "add drifting fog" in tree.inner_text() and "now at dusk" in tree.inner_text()
    assert tree.inner_text().lower().count("edit:") == 2  # each step says what kind it was
    assert page.locator(".compare video").count() == 2
    _shot(page, "4-lineage")
