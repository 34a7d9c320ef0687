"""Organising in a real browser: tag two videos from the gallery's bulk bar, star one, filter the gallery by tag
and by favourite, then select two and download their zip (its MP4s and CSV checked)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.e2e.pages import DESKTOP, log_in, media

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_tag_star_filter_and_download_a_zip(live_server, browser, alice, project, make_video):
    files = media(1280, 720)
    kite = make_video(project, alice, upstream_id="o1", prompt="A red kite over the park", **files)
    boat = make_video(project, alice, upstream_id="o2", prompt="A paper boat on a puddle", **files)
    make_video(project, alice, upstream_id="o3", prompt="A lighthouse at night", **files)
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    log_in(context, live_server.url, alice)
    page = context.new_page()
    page.set_default_timeout(30_000)
    gallery = f"{live_server.url}/projects/{project.public_id}/videos/"
    page.goto(gallery)

    def card(video):
        return page.locator(f"#v-{video.public_id.hex}")

    # tag two videos at once
    card(kite).locator("[data-bulk-pick]").check()
    card(boat).locator("[data-bulk-pick]").check()
    page.get_by_text("2 selected:").wait_for()
    page.get_by_label("Tag to add").fill("Dusk")
    page.get_by_role("button", name="Add tag").click()
    page.get_by_text("Tagged 2 videos.").wait_for()
    assert card(kite).locator(".tag-chip").inner_text() == "Dusk"
    assert card(boat).locator(".tag-chip").inner_text() == "Dusk"

    # star one, in place (no reload: the selection above is gone with the reload, the star stays)
    star = card(kite).get_by_role("button", name="Favourite")
    star.click()
    page.wait_for_function(
        f"document.querySelector('#v-{kite.public_id.hex} .organise-star button').getAttribute('aria-pressed') === 'true'"
    )

    # filter by tag, then by favourite
    page.locator("form.filters input[name=tag]").fill("dusk")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**tag=dusk**")
    assert page.locator(".card-slot").count() == 2
    page.get_by_label("★ Favourites only").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**favourite=1**")
    assert page.locator(".card-slot").count() == 1 and card(kite).count() == 1

    # select two and download their zip
    page.goto(gallery + "?tag=dusk")
    card(kite).locator("[data-bulk-pick]").check()
    card(boat).locator("[data-bulk-pick]").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download zip").click()
    download = info.value
    assert download.suggested_filename.startswith("sora-videos-") and download.suggested_filename.endswith(".zip")
    archive = zipfile.ZipFile(download.path())
    assert sorted(archive.namelist()) == sorted(
        ["videos.csv", f"sora-{kite.public_id}.mp4", f"sora-{boat.public_id}.mp4"]
    )
    assert archive.read(f"sora-{kite.public_id}.mp4") == files["video"]
    rows = list(csv.DictReader(io.StringIO(archive.read("videos.csv").decode("utf-8-sig"))))
    assert {r["prompt"] for r in rows} == {kite.prompt, boat.prompt} and {r["tags"] for r in rows} == {"Dusk"}
    context.close()
