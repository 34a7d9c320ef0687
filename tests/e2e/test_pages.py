"""What a first-time user saw, in a real browser (desktop 1366x768 and phone 390x844): videos keep their shape,
the compare pair fits a laptop screen, the New video menu closes from the keyboard, titles open videos, the
reference image is previewed as the first frame, times are local, a refused remix keeps its prompt, a moderation
failure is edited and retried, and the project page's buttons are on a phone's screen (issue items 10, 12, 14,
15, 17, 18)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import image_bytes, wait_for
from tests.e2e.pages import DESKTOP, PHONE, log_in, media, remix_only_provider, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

BOX = (
    "(el) => { const r = el.getBoundingClientRect();"
    " return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right, bottom: r.bottom}; }"
)


def _page(browser, base, user, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, **options)
    if user is not None:
        log_in(context, base, user)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _portrait_family(project, alice, make_video):
    tall = media(720, 1280)
    parent = make_video(
        project, alice, upstream_id="p1", size="720x1280", prompt="A lighthouse at night, tall framing", **tall
    )
    child = make_video(
        project,
        alice,
        upstream_id="p2",
        size="720x1280",
        prompt="Same lighthouse, with snow",
        remixed_from=parent,
        **tall,
    )
    return parent, child


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_portrait_videos_keep_their_shape_and_the_compare_pair_fits_the_screen(
    viewport, live_server, browser, alice, project, make_video
):
    parent, child = _portrait_family(project, alice, make_video)
    make_video(project, alice, upstream_id="l1", prompt="A wide landscape", **media(1280, 720))
    page = _page(browser, live_server.url, alice, viewport)
    name = "desktop" if viewport is DESKTOP else "phone"

    page.goto(f"{live_server.url}/")
    card = page.locator(f'[data-video="{child.public_id}"]')
    thumb = card.locator(".thumb")
    thumb.scroll_into_view_if_needed()
    t = thumb.evaluate(BOX)
    page.mouse.move(t["x"] + t["w"] * 0.7, t["y"] + t["h"] / 2)
    page.wait_for_selector(f'[data-video="{child.public_id}"] .scrub.scrubbing')
    scrub = card.locator(".scrub").evaluate(
        "(el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);"
        " return {w: r.width, h: r.height, x: r.x, bs: s.backgroundSize}; }"
    )
    assert abs(scrub["w"] / scrub["h"] - 720 / 1280) < 0.02, scrub  # not stretched to the 16:9 box
    assert scrub["h"] == pytest.approx(t["h"], abs=1) and scrub["w"] < t["w"] / 2
    assert scrub["x"] == pytest.approx(t["x"] + (t["w"] - scrub["w"]) / 2, abs=1)  # centred
    tile_w, tile_h = (float(v.rstrip("%")) for v in scrub["bs"].split())
    assert (tile_w, tile_h) == (500.0, 200.0)  # 5 x 2 tiles, each exactly the box
    fit = card.locator(".thumb img").evaluate("(el) => getComputedStyle(el).objectFit")
    assert fit == "contain"
    shot(page, f"shape-{name}-gallery-scrub", full_page=False)

    page.goto(f"{live_server.url}/videos/{child.public_id}/")
    for img in page.locator(".node-thumb img").all():  # lineage thumbnails: whole, inside their 80 x 45 box
        b = img.evaluate(BOX)
        assert b["w"] <= 80.5 and b["h"] <= 45.5 and img.evaluate("(el) => getComputedStyle(el).objectFit") == "contain"
    player = page.locator("video[data-player]").evaluate(BOX)
    assert abs(player["w"] / player["h"] - 720 / 1280) < 0.01
    assert player["h"] <= viewport["height"] * 0.7 + 1
    compare = page.locator(".compare")
    compare.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.compare h2').scrollIntoView({block: 'start'})")
    nav_bottom = page.locator("header.nav").evaluate(BOX)["bottom"]
    boxes = [v.evaluate(BOX) for v in page.locator(".compare video").all()]
    assert len(boxes) == 2
    for b in boxes:
        assert abs(b["w"] / b["h"] - 720 / 1280) < 0.01, b
        assert b["y"] >= nav_bottom - 1 and b["bottom"] <= viewport["height"], (b, nav_bottom)  # both on screen at once
        assert b["x"] >= 0 and b["right"] <= viewport["width"]
    shot(page, f"shape-{name}-compare", full_page=False)


def test_the_new_video_menu_works_from_the_keyboard_and_closes_outside(live_server, browser, alice, project):
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/")
    menu = page.locator("details[data-menu]")
    summary = menu.locator("summary")

    summary.focus()
    page.keyboard.press("Enter")
    assert menu.evaluate("(el) => el.open") and summary.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("in ")
    shot(page, "menu-open", full_page=False)
    page.keyboard.press("Escape")
    assert not menu.evaluate("(el) => el.open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert summary.get_attribute("aria-expanded") == "false"

    summary.click()
    assert menu.evaluate("(el) => el.open")
    page.click("h1")
    assert not menu.evaluate("(el) => el.open")


def test_a_cards_title_opens_the_video_and_the_skip_link_and_focus_ring_work(
    live_server, browser, alice, project, make_video
):
    video = make_video(project, alice, prompt="A kite over the park", upstream_id="k1", **media(1280, 720))
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link" and skip.evaluate(BOX)["y"] >= 0
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] == "solid" and outline[1] >= 2
    shot(page, "focus-skip-link", full_page=False)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.click("text=A kite over the park")
    page.wait_for_url(f"{live_server.url}/videos/{video.public_id}/")


def test_the_reference_image_is_previewed_as_the_first_frame(live_server, browser, alice, project, tmp_path):
    wide = tmp_path / "wide.png"
    wide.write_bytes(image_bytes(size=(400, 100), color=(220, 30, 30)))
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/projects/{project.public_id}/videos/new/")

    assert page.get_by_text("Reference image", exact=False).count() == 1  # once: the section's title
    help_text = page.locator(".fit-choice .help").text_content()
    labels = page.locator(".fit-choice .radios").text_content()
    assert "Fill the frame" in help_text and "Show the whole image" in help_text
    assert "Fill the frame" in labels and "Show the whole image" in labels
    assert "cover" not in help_text.lower() and "letterbox" not in help_text.lower()

    page.click("summary:has-text('Reference image')")
    page.select_option("select[name=size]", "1280x720")
    page.set_input_files("input[name=input_reference]", str(wide))
    canvas = page.locator("[data-preview-canvas]")
    canvas.wait_for(state="visible")

    def state():
        return canvas.evaluate(
            "(c) => { const x = c.getContext('2d'); const px = (a, b) => Array.from(x.getImageData(a, b, 1, 1).data.slice(0, 3));"
            " return {w: c.width, h: c.height, corner: px(2, 2), centre: px(c.width / 2, c.height / 2)}; }"
        )

    cover = state()
    assert cover["w"] / cover["h"] == pytest.approx(1280 / 720, rel=0.01)
    assert cover["corner"][0] > 180 and cover["corner"][2] < 80  # the image fills the frame, cropped
    shot(page, "reference-1-fill")
    page.check("input[name=input_fit][value=contain]")
    contain = state()
    assert contain["corner"] == [0, 0, 0] and contain["centre"][0] > 180  # bars above and below the whole image
    assert "Show the whole image" in page.locator("[data-preview-caption]").inner_text()
    shot(page, "reference-2-whole")
    page.select_option("select[name=size]", "720x1280")
    tall = state()
    assert tall["w"] / tall["h"] == pytest.approx(720 / 1280, rel=0.01)
    shot(page, "reference-3-portrait")


def test_times_are_shown_in_the_viewers_zone_and_a_new_video_is_just_now(
    live_server, browser, alice, project, make_video
):
    video = make_video(project, alice, upstream_id="t1", prompt="Timed", **media(1280, 720))
    page = _page(browser, live_server.url, alice, timezone_id="Asia/Tokyo", locale="en-GB")

    page.goto(f"{live_server.url}/")
    ago = page.locator(f'[data-video="{video.public_id}"] time')
    assert ago.inner_text() == "just now"
    assert "UTC" in ago.get_attribute("title")

    page.goto(f"{live_server.url}/videos/{video.public_id}/")
    created = page.locator(".facts time").first
    utc_hour = video.created_at.hour
    local_hour = (utc_hour + 9) % 24
    assert f"{local_hour:02d}:{video.created_at.minute:02d}" in created.inner_text(), created.inner_text()
    assert "UTC" in created.get_attribute(
        "title"
    ) and f"{utc_hour:02d}:{video.created_at.minute:02d}" in created.get_attribute("title")
    assert "UTC" not in created.inner_text()


@pytest.mark.parametrize("form", ["edit-form", "remix-form"])
def test_a_change_refused_for_quota_keeps_what_was_typed(live_server, browser, alice, project, make_video, form):
    """An edit (the simulator has edits) or a remix (a provider without edits) refused for quota: the page says why
    and keeps the prompt."""
    from quotas.models import QuotaRule

    provider = remix_only_provider(live_server.url) if form == "remix-form" else None
    parent = make_video(project, alice, upstream_id="q1", **media(1280, 720),
                        **({"provider": provider} if provider else {}))  # fmt: skip
    QuotaRule.objects.create(user=alice, period="month", max_videos=0)
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/videos/{parent.public_id}/")
    assert page.locator(".remix-form").count() == (form == "remix-form")  # Edit replaces Remix where it exists

    page.fill(f".{form} textarea[name=prompt]", "Same shot, add a red balloon drifting up")
    page.click(f".{form} button[type=submit]")
    page.wait_for_selector(f".{form} [role=alert]")

    assert "monthly limit" in page.locator(f".{form} [role=alert]").inner_text()
    assert page.input_value(f".{form} textarea[name=prompt]") == "Same shot, add a red balloon drifting up"
    shot(page, f"{form}-refused-keeps-prompt")


def test_a_moderation_failure_is_edited_and_retried(q_cluster, studio, browser, alice, project):
    from videos.models import Video

    page = _page(browser, studio.url, alice)
    page.goto(f"{studio.url}/projects/{project.public_id}/videos/new/")
    page.fill("textarea[name=prompt]", "A street scene with blocked-content on a wall")
    page.select_option("select[name=size]", "720x1280")
    page.click(".create-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/videos/[0-9a-f-]{36}/$"))
    failed = wait_for(lambda: Video.objects.filter(status="failed").first(), timeout=90, what="the moderation failure")
    assert failed.error_code == "moderation_blocked"
    page.wait_for_selector("[data-edit-retry]", timeout=60_000)  # the page refreshes itself when the video fails

    assert page.locator("form[action$='/retry/']").count() == 0
    assert "safety check refused this prompt" in page.locator(".media-failed").inner_text()
    shot(page, "moderation-1-failed")
    page.click("[data-edit-retry]")
    page.wait_for_url(re.compile(rf".*/videos/new/\?from={failed.public_id}$"))
    assert page.input_value("textarea[name=prompt]") == "A street scene with blocked-content on a wall"
    assert page.input_value("select[name=size]") == "720x1280"
    shot(page, "moderation-2-edit")
    page.fill("textarea[name=prompt]", "A street scene with a mural of a whale on a wall")
    page.click(".create-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/videos/[0-9a-f-]{36}/$"))
    retried = Video.objects.exclude(id=failed.id).get()
    assert (retried.prompt, retried.size) == ("A street scene with a mural of a whale on a wall", "720x1280")


def test_after_a_two_variation_remix_both_are_reachable(live_server, browser, alice, project, make_video, monkeypatch):
    from videos import tasks

    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)  # nothing is started upstream here
    parent = make_video(project, alice, upstream_id="b1", provider=remix_only_provider(live_server.url), **media(1280, 720))
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/videos/{parent.public_id}/")
    page.fill(".remix-form textarea[name=prompt]", "Same shot, at night")
    page.select_option(".remix-form select[name=variations]", "2")
    page.click(".remix-form button[type=submit]")
    page.wait_for_selector(".messages a:has-text('variation 2')")
    shot(page, "batch-remix-notice")
    first, second = parent.remixes.order_by("id")
    assert page.url.endswith(f"/videos/{first.public_id}/")
    page.click(".messages a:has-text('variation 2')")
    page.wait_for_url(f"{live_server.url}/videos/{second.public_id}/")
    assert "v2b" in page.locator("[data-variations]").inner_text()


def test_the_project_pages_buttons_are_on_a_phones_screen(live_server, browser, alice, bob, project):
    page = _page(browser, live_server.url, alice, PHONE)
    page.goto(f"{live_server.url}/accounts/projects/{project.public_id}/")
    buttons = page.locator("button:has-text('Remove'), button:has-text('Change')").all()
    assert len(buttons) == 4
    for button in buttons:
        b = button.evaluate(BOX)
        assert b["x"] >= 0 and b["right"] <= PHONE["width"], b
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-project-page")


def test_the_progress_label_is_not_drawn_over_the_bar(live_server, browser, alice, project, make_video):
    video = make_video(project, alice, status="in_progress", progress=60, upstream_id="r1")
    page = _page(browser, live_server.url, alice)
    page.goto(f"{live_server.url}/videos/{video.public_id}/")
    label = page.locator(".progress-label").evaluate(BOX)
    fill = page.locator(".progress-fill").evaluate(BOX)
    assert label["bottom"] <= fill["y"] or label["y"] >= fill["bottom"]
