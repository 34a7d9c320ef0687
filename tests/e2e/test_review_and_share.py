"""Issue #15's "Done when", in real browsers against the simulator with real workers: the project's owner wires a
webhook; an editor makes a take, comments on it at 0:02 mentioning the owner; the owner gets the notification in
the header's bell, follows it and approves the take; a guest opens a link to it in a fresh browser without an
account and plays it, until the editor revokes the link; tags, favourites and a bulk zip work on the gallery; the
project's webhook received signed `video.completed` and `review.changed` events."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.conftest import wait_for
from tests.e2e.pages import DESKTOP, log_in, shot
from tests.reviews.notify.receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PLAYER = "document.querySelector('video[data-player]')"


def _make_take(page, base, project, prompt):
    page.goto(f"{base}/projects/{project.public_id}/videos/new/")
    page.fill("textarea[name=prompt]", prompt)
    page.select_option("select[name=size]", "1280x720")
    page.click(".create-form button[type=submit]")
    page.wait_for_selector("video[data-player]", timeout=90_000)
    page.wait_for_selector(".edit-form")  # the page has filled in the rest around the player
    return page.url


def _events(receiver, secret):
    """The receiver's requests, each verified with the secret the owner was shown (raises if one is not)."""
    out = []
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        out.append(Webhook(secret).verify(request["body"], headers))
    return out


def test_a_take_is_commented_approved_shared_organised_and_announced(q_cluster, studio, settings, browser, alice,
                                                                     bob, project):  # fmt: skip
    from videos.models import Video

    settings.SIM_RENDER_SECONDS = 1.0
    settings.NOTIFY_POLL_SECONDS = 1
    base = studio.url
    with Receiver() as receiver:
        # The owner wires the project's webhook and keeps the secret it shows once.
        owner = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        log_in(owner, base, alice)
        mine = owner.new_page()
        mine.set_default_timeout(30_000)
        mine.goto(f"{base}/projects/{project.public_id}/webhooks/")
        mine.fill("input[name=url]", receiver.url)
        for box in mine.locator("input[name=events]").all():
            box.check()
        mine.click("button:has-text('Add webhook')")
        secret = mine.inner_text("#webhook-secret").strip()
        assert secret.startswith("whsec_")
        mine.goto(f"{base}/projects/{project.public_id}/videos/")  # open while the editor works
        expect(mine.locator("#notify-bell [data-notify-count]")).to_be_hidden()

        # The editor makes a take and comments on it at 0:02, naming the owner.
        editor = browser.new_context(viewport=DESKTOP)
        log_in(editor, base, bob)
        theirs = editor.new_page()
        theirs.set_default_timeout(30_000)
        take_url = _make_take(theirs, base, project, "Wide shot of a red kite over a grassy park at golden hour")
        take = Video.objects.get(prompt__startswith="Wide shot of a red kite")
        theirs.fill("#comment-body", "The kite dips too early here, @alice")
        theirs.fill("#comment-timecode", "0:02")
        theirs.click("#comment-form button[type=submit]")
        theirs.locator("[data-review-timeline] .review-marker").wait_for()

        # The owner, on the page she has open, sees the bell ring; she follows the notification and approves.
        expect(mine.locator("#notify-bell [data-notify-count]")).to_have_text("1", timeout=15_000)
        mine.click("#notify-bell")
        mine.click(".notify-list >> text=bob mentioned you")
        mine.wait_for_url(f"{take_url}**")
        expect(mine.locator("#notify-bell [data-notify-count]")).to_be_hidden()  # following it read it
        assert mine.locator(".comment .comment-time").first.inner_text().split()[-1] == "0:02"
        mine.wait_for_function(f"{PLAYER}.readyState >= 1")
        mine.click(".comment .comment-time")
        mine.wait_for_function(f"Math.abs({PLAYER}.currentTime - 2) < 0.3", timeout=10_000)
        mine.click("#review button[value=approved]")
        mine.wait_for_selector("[data-review-current=approved]")
        shot(mine, "review-1-approved")

        # The editor shares it; a guest with no account plays it; the editor revokes the link and it stops working.
        theirs.goto(take_url)
        form = theirs.locator(".guest-link-form")
        form.locator("select[name=expires_in]").select_option("1d")
        form.locator("button[type=submit]").click()
        link = theirs.locator("[data-guest-link-url]").inner_text().strip()
        guest_context = browser.new_context(viewport=DESKTOP)
        guest = guest_context.new_page()
        assert guest.goto(link).status == 200
        guest.wait_for_function(f"{PLAYER}.readyState >= 1", timeout=30_000)
        guest.evaluate(f"{PLAYER}.muted = true")
        guest.evaluate(f"{PLAYER}.play()")
        guest.wait_for_function(f"{PLAYER}.currentTime > 0.3", timeout=30_000)
        assert project.name not in guest.content() and guest.locator("[data-guest-download]").count() == 0
        shot(guest, "review-2-guest")
        theirs.goto(take_url)
        theirs.locator("[data-guest-link] [data-revoke]").click()
        theirs.wait_for_selector("text=was revoked")
        assert guest.reload().status == 404
        guest_context.close()

        # Organise: a second take; tag both from the gallery, star one, filter, and download both as a zip.
        _make_take(theirs, base, project, "A paper boat drifting on a rain puddle, close-up")
        boat = Video.objects.get(prompt__startswith="A paper boat")
        gallery = f"{base}/projects/{project.public_id}/videos/"
        mine.goto(gallery)

        def card(video):
            return mine.locator(f"#v-{video.public_id.hex}")

        card(take).locator("[data-bulk-pick]").check()
        card(boat).locator("[data-bulk-pick]").check()
        mine.get_by_label("Tag to add").fill("Launch")
        mine.get_by_role("button", name="Add tag").click()
        mine.get_by_text("Tagged 2 videos.").wait_for()
        card(take).get_by_role("button", name="Favourite").click()
        mine.wait_for_function(
            f"document.querySelector('#v-{take.public_id.hex} .organise-star button')"
            ".getAttribute('aria-pressed') === 'true'"
        )
        assert card(take).locator("[data-review-state=approved]").count() == 1  # approved takes are marked
        mine.goto(gallery + "?tag=launch&favourite=1")
        assert mine.locator(".card-slot").count() == 1 and card(take).count() == 1
        mine.goto(gallery + "?tag=launch")
        card(take).locator("[data-bulk-pick]").check()
        card(boat).locator("[data-bulk-pick]").check()
        with mine.expect_download() as info:
            mine.get_by_role("button", name="Download zip").click()
        archive = zipfile.ZipFile(info.value.path())
        assert sorted(archive.namelist()) == sorted(["videos.csv", f"sora-{take.public_id}.mp4",
                                                     f"sora-{boat.public_id}.mp4"])  # fmt: skip
        with take.asset_map["video"].file.open("rb") as fh:
            assert archive.read(f"sora-{take.public_id}.mp4") == fh.read()
        rows = list(csv.DictReader(io.StringIO(archive.read("videos.csv").decode("utf-8-sig"))))
        assert {r["tags"] for r in rows} == {"Launch"} and {r["prompt"] for r in rows} == {take.prompt, boat.prompt}
        shot(mine, "review-3-gallery")

        # The project's webhook: signed events for both takes and the approval, each verified with the secret.
        def announced():
            events = _events(receiver, secret)
            kinds = [e["type"] for e in events]
            return events if kinds.count("video.completed") >= 2 and "review.changed" in kinds else None

        events = wait_for(announced, timeout=60, what="the project's webhook events")
        review = next(e for e in events if e["type"] == "review.changed")
        assert json.dumps(review["data"]).count(str(take.public_id)) >= 1
        owner.close()
        editor.close()
