"""In a real browser: an editor makes a guest link with downloads allowed; a fresh browser context, with no session,
opens it and plays the video; the editor revokes it and the guest's reload shows the gone page."""

from __future__ import annotations

import pytest

from tests.e2e.pages import axe_check, log_in, media, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PLAYER = "document.querySelector('video[data-player]')"


def _accessible(page, name):
    """A screenshot, and no serious or critical WCAG violation (axe-core), as on every page of the studio."""
    shot(page, f"share-{name}")
    found = axe_check(page)
    assert not [v["id"] for impact in ("serious", "critical") for v in found.get(impact, [])], (name, found)


def test_a_guest_plays_a_shared_video_until_it_is_revoked(
    live_server, settings, browser, bob, project, alice, make_video
):
    settings.SITE_URL = live_server.url  # the address links are made with
    video = make_video(project, alice, prompt="A paper boat on a rain puddle", **media(1280, 720))

    editor = browser.new_context()
    log_in(editor, live_server.url, bob)
    page = editor.new_page()
    page.goto(f"{live_server.url}/videos/{video.public_id}/")
    form = page.locator(".guest-link-form")
    form.locator("select[name=expires_in]").select_option("1d")
    form.locator("input[name=allow_download]").check()
    form.locator("button[type=submit]").click()
    url = page.locator("[data-guest-link-url]").inner_text().strip()
    assert url.startswith(f"{live_server.url}/g/")
    _accessible(page, "1-made")

    guest_context = browser.new_context()  # fresh: no cookies, no session
    guest = guest_context.new_page()
    response = guest.goto(url)
    assert response.status == 200 and response.headers["x-robots-tag"] == "noindex, nofollow"
    assert guest.locator("nav").count() == 0 and project.name not in guest.content()
    assert guest.locator("[data-guest-download]").count() == 1
    guest.wait_for_function(f"{PLAYER}.readyState >= 1", timeout=30_000)
    _accessible(guest, "2-guest")
    guest.evaluate(f"{PLAYER}.muted = true")
    guest.evaluate(f"{PLAYER}.play()")
    guest.wait_for_function(f"{PLAYER}.currentTime > 0.3", timeout=30_000)
    played = guest.evaluate(
        f"(() => {{ const v = {PLAYER}; return {{w: v.videoWidth, e: v.error, t: v.currentTime}}; }})()"
    )
    assert played["w"] == 1280 and played["e"] is None
    guest.wait_for_function(f"{PLAYER}.currentTime > {played['t']}", timeout=30_000)  # still advancing
    guest.evaluate(f"{PLAYER}.currentTime = 3")  # seeking: byte ranges through the guest link
    guest.wait_for_function(f"{PLAYER}.currentTime >= 3 && !{PLAYER}.seeking", timeout=30_000)
    with guest.expect_download() as download:
        guest.locator("[data-guest-download]").click()
    assert download.value.suggested_filename == "shared-video.mp4"

    page.goto(f"{live_server.url}/videos/{video.public_id}/")
    assert page.locator("[data-guest-link] [data-views]").inner_text() == "1"
    page.locator("#guest-links").scroll_into_view_if_needed()
    _accessible(page, "3-listed")
    page.locator("[data-guest-link] [data-revoke]").click()
    page.wait_for_selector("text=was revoked")

    response = guest.reload()
    assert response.status == 404
    assert guest.locator("[data-guest-gone]").inner_text().startswith("This link has expired or was revoked")
    _accessible(guest, "4-gone")
    guest_context.close()
    editor.close()
