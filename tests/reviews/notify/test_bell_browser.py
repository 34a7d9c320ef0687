"""In a real browser: alice turns browser notifications on, then her video finishes while its page is open; the
header's bell goes to 1, the tab title gets "(1)" and the browser shows the notification, by the page's light poll,
without a reload of hers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.actors import Actor
from tests.conftest import run_pipeline
from tests.e2e.pages import log_in
from videos import services
from videos.models import Video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
# Records what the page shows as browser notifications (the real API underneath).
SPY = """
window.__shown = [];
const Real = window.Notification;
class Shown extends Real { constructor(title, options) { super(title, options); window.__shown.push(options.body); } }
Shown.requestPermission = (...a) => Real.requestPermission(...a);
Object.defineProperty(Shown, "permission", { get: () => Real.permission });
window.Notification = Shown;
"""


def test_a_video_finishing_while_its_page_is_open_rings_the_bell(queue, page, context, alice, project, settings):
    settings.NOTIFY_POLL_SECONDS = 1
    video = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A paper boat on a puddle",
                                  model="sora-2", size="1280x720", seconds=4)  # fmt: skip
    log_in(context, settings.SITE_URL, alice)
    context.grant_permissions(["notifications"], origin=settings.SITE_URL)
    page.add_init_script(SPY)
    page.goto(f"{settings.SITE_URL}/notifications/")
    page.get_by_role("button", name="Enable browser notifications").click()
    expect(page.get_by_role("status")).to_have_text("Browser notifications are on while a studio page is open.")
    page.goto(f"{settings.SITE_URL}/videos/{video.public_id}/")
    bell = page.locator("#notify-bell [data-notify-count]")
    expect(bell).to_be_hidden()
    assert not page.title().startswith("(")

    assert run_pipeline(video).status == Video.Status.COMPLETED

    expect(bell).to_have_text("1", timeout=15_000)
    expect(page).to_have_title(re.compile(r"^\(1\) "), timeout=15_000)
    expect(page.locator("#notify-bell")).to_have_attribute("aria-label", "Notifications: 1 unread")
    assert page.evaluate("window.__shown") == ["Your video “A paper boat on a puddle” is ready."]
