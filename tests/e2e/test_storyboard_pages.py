"""Storyboard pages in a real browser: shots reordered by dragging with the mouse, and by the Up/Down buttons with
scripts turned off; and axe-core finds no serious or critical WCAG violation on the storyboard pages (light and
dark, desktop and phone)."""

from __future__ import annotations

import io

import pytest

from tests.e2e.pages import DESKTOP, PHONE, axe_check, log_in, media, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _board(project, alice, make_video, *, takes=False):
    from accounts.actors import Actor
    from assets.services import asset_store_unattached
    from storyboards import services
    from storyboards.models import FinalCut, Take

    actor = Actor.of_user(alice)
    board = services.storyboard_create(actor=actor, project=project, title="The kite", size="1280x720")
    shots = [
        services.shot_add(actor=actor, storyboard=board, prompt=p, model="simulator:sora-2", seconds=4)
        for p in ("First shot", "Second shot", "Third shot")
    ]
    cut = None
    if takes:
        files = media(1280, 720)
        for n, s in enumerate(shots):
            video = make_video(project, alice, upstream_id=f"video_{n}", **files)
            Take.objects.create(shot=s, video=video, number=1, is_chosen=n != 1)
        Take.objects.create(
            shot=shots[1], video=make_video(project, alice, status="in_progress", progress=30), number=2
        )
        stored = {
            kind: asset_store_unattached(kind=kind, content=io.BytesIO(files[kind]), origin="studio", stem="cut")
            for kind in ("video", "thumbnail", "spritesheet")
        }
        entries = [{"shot": n + 1, "prompt": s.prompt, "take": 1, "video_id": "x", "start": 4.0 * n, "end": 4.0 * n + 4}
                   for n, s in enumerate(shots)]  # fmt: skip
        cut = FinalCut.objects.create(storyboard=board, number=1, status="completed", width=1280, height=720, fps=8,
                                      duration_seconds=4, has_audio=True, entries=entries, **stored)  # fmt: skip
    return board, shots, cut


def _order(board):
    return list(board.shots.order_by("position").values_list("prompt", flat=True))


def test_shots_reorder_by_dragging(live_server, browser, alice, project, make_video):
    board, shots, _cut = _board(project, alice, make_video)
    context = browser.new_context(viewport={"width": 1366, "height": 2000})  # the whole board on screen
    log_in(context, live_server.url, alice)
    page = context.new_page()
    page.goto(f"{live_server.url}/storyboards/{board.public_id}/")
    items = page.locator("[data-shots] > [data-shot]")
    items.nth(2).locator("[data-handle]").drag_to(items.nth(0).locator("h3"), target_position={"x": 5, "y": 2})
    page.wait_for_selector("[data-reorder-live]:has-text('Order saved')")
    assert _order(board) == ["Third shot", "First shot", "Second shot"]
    assert page.locator("[data-shots] [data-position]").all_inner_texts() == ["1", "2", "3"]
    context.close()


def test_shots_reorder_with_the_buttons_when_scripts_are_off(live_server, browser, alice, project, make_video):
    board, shots, _cut = _board(project, alice, make_video)
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    log_in(context, live_server.url, alice)
    page = context.new_page()
    page.goto(f"{live_server.url}/storyboards/{board.public_id}/")
    assert page.locator("[data-handle]").first.is_hidden()
    page.click("button[aria-label='Move shot 1 down']")
    page.wait_for_selector("text=Moved: it is now shot 2.")
    assert _order(board) == ["Second shot", "First shot", "Third shot"]
    context.close()


@pytest.mark.parametrize("mode", ["desktop", "phone", "dark"])
def test_storyboard_pages_have_no_serious_axe_violation(mode, live_server, browser, alice, project, make_video):
    viewport, scheme = {"desktop": (DESKTOP, "light"), "phone": (PHONE, "light"), "dark": (DESKTOP, "dark")}[mode]
    board, shots, cut = _board(project, alice, make_video, takes=True)
    base = live_server.url
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    log_in(context, base, alice)
    found = {}
    for name, url in [
        ("storyboards", f"{base}/projects/{project.public_id}/storyboards/"),
        ("storyboard", f"{base}/storyboards/{board.public_id}/"),
        ("cut", f"{base}/cuts/{cut.public_id}/"),
        ("shot list", f"{base}/cuts/{cut.public_id}/shot-list/"),
    ]:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found[name] = [
            f"{v['id']}: {v['help']} -> {v['nodes']}"
            for impact in ("serious", "critical")
            for v in axe_check(page).get(impact, [])
        ]
        shot(page, f"a11y-{mode}-storyboards-{name.replace(' ', '-')}")
        page.close()
    context.close()
    assert not {name: problems for name, problems in found.items() if problems}
