"""Review in a real browser (issue #15, part 1): an editor comments at 0:02 on a completed video, the comment's
marker appears on the player's timeline, clicking the comment seeks the player to about 2 s; an owner approves the
video and its gallery card shows it approved."""

from __future__ import annotations

import pytest

from tests.e2e.pages import DESKTOP, log_in, media

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PLAYER = "document.querySelector('video[data-player]')"


def test_an_editor_comments_at_a_timecode_and_an_owner_approves(live_server, browser, alice, bob, project, make_video):
    video = make_video(
        project, alice, prompt="A red kite over the park", upstream_id="video_review", **media(1280, 720)
    )
    url = f"{live_server.url}/videos/{video.public_id}/"

    editor = browser.new_context(viewport=DESKTOP)
    log_in(editor, live_server.url, bob)
    page = editor.new_page()
    page.goto(url)
    page.fill("#comment-body", "The kite dips here, @alice")
    page.fill("#comment-timecode", "0:02")
    page.click("#comment-form button[type=submit]")
    marker = page.locator("[data-review-timeline] .review-marker")
    marker.wait_for()
    assert marker.count() == 1
    assert page.locator(".comment .mention").inner_text() == "@alice"
    page.wait_for_function(f"{PLAYER}.readyState >= 1", timeout=30_000)
    page.click(".comment .comment-time")
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 2) < 0.3", timeout=10_000)
    left = marker.evaluate("m => parseFloat(m.style.left)")
    assert 40 <= left <= 60  # 2 s of a 4 s video
    page.evaluate(f"{PLAYER}.currentTime = 0")
    marker.click()
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 2) < 0.3", timeout=10_000)
    editor.close()

    owner = browser.new_context(viewport=DESKTOP)
    log_in(owner, live_server.url, alice)
    page = owner.new_page()
    page.goto(url)
    page.click("#review button[value=approved]")
    page.wait_for_selector("[data-review-current=approved]")
    page.goto(f"{live_server.url}/projects/{project.public_id}/videos/")
    card = page.locator(f"[data-video='{video.public_id}']")
    assert card.locator("[data-review-state=approved]").inner_text() == "✓ Approved"
    owner.close()
