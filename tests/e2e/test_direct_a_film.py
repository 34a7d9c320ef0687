"""Issue 14's "Done when", in a real browser against the simulator with real workers: a user makes a character from
an uploaded clip on the cast page, storyboards three shots that use it, generates two takes of one shot, edits one
take and extends another, chooses a take per shot, and downloads a final cut whose length is the sum of the chosen
takes (PyAV) and which the page's player plays; the takes' video pages show the character, and their lineage shows
each kind of step (edit, extension)."""

from __future__ import annotations

import av
import pytest

from characters.models import Appearance, Character, CharacterUpload
from tests.characters.conftest import clip_files  # noqa: F401  (fixture: real character clips)
from tests.conftest import PASSWORD
from videos.sora.simulator.models import SimCharacter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PROMPTS = [
    "Wide shot: Mika crosses a rainy market square carrying a parcel",
    "Close-up: Mika knocks on a blue door",
    "Mika smiles as the door opens, warm light spills out",
]


def _shots(page):
    return page.locator("[data-shots] > [data-shot]")


def _wait_all_takes_done(page, count, timeout=120_000):
    page.wait_for_function(
        f"document.querySelectorAll('[data-take]').length === {count}"
        " && document.querySelectorAll('[data-take][data-live]').length === 0",
        timeout=timeout,
    )


def _mp4_seconds(path) -> float:
    with av.open(str(path)) as container:
        return container.duration / av.time_base


def test_a_character_in_three_shots_ends_in_one_downloaded_playing_cut(
    q_cluster,
    studio,
    settings,
    page,
    alice,
    project,
    clip_files,  # noqa: F811
    tmp_path,
):
    from storyboards.models import FinalCut, Shot, Take
    from videos.models import Video

    settings.SIM_RENDER_SECONDS = 1.0
    page.set_default_timeout(30_000)
    screens = tmp_path / "screens"
    screens.mkdir()

    def screenshot(name):
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of a full-page picture
        page.screenshot(path=str(screens / f"{name}.png"), full_page=True)

    page.goto(f"{studio.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{studio.url}/")

    # 1. The character, from a clip uploaded on the cast page.
    page.goto(f"{studio.url}/projects/{project.public_id}/videos/")
    page.click("text=Cast")
    page.fill(".character-form input[name=name]", "Mika")
    page.set_input_files(".character-form input[name=clip]", str(clip_files("landscape")))
    page.click(".character-form button[type=submit]")
    page.wait_for_selector("text=Mika joined the cast")
    mika = Character.objects.get(project=project)
    assert mika.name == "Mika" and (mika.width, mika.height) == (1280, 720)

    # 2. A storyboard of three shots, each with Mika (the picker hints until the prompt names her).
    page.goto(f"{studio.url}/accounts/projects/{project.public_id}/")
    page.click(".actions >> text=Storyboards")
    page.fill("input[name=title]", "The parcel")
    page.select_option("select[name=size]", "1280x720")
    page.click(".board-form button[type=submit]")
    page.wait_for_selector("h1:has-text('The parcel')")
    form = page.locator(".shot-form")
    for n, prompt in enumerate(PROMPTS):
        form.locator("textarea[name=prompt]").fill("A parcel on a doorstep" if n == 0 else prompt)
        form.locator("select[name=model]").select_option("simulator:sora-2")
        form.locator("select[name=seconds]").select_option("4")
        form.get_by_label("Mika").check()
        if n == 0:
            assert form.locator("[data-cast-note]").inner_text() == "Mention Mika in the prompt."
            form.locator("textarea[name=prompt]").fill(prompt)
        assert form.locator("[data-cast-note]").is_hidden()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        page.wait_for_selector(f"[data-shot] .shot-prompt:has-text('{prompt[:30]}')")
    assert _shots(page).count() == 3
    for n in range(3):
        assert _shots(page).nth(n).locator("[data-shot-cast]").inner_text().strip() == "Mika"
    assert [list(s.characters.all()) for s in Shot.objects.order_by("position")] == [[mika]] * 3
    # A shot's Change form has its own picker, with its character ticked.
    change = _shots(page).nth(0).locator("details:has(summary:has-text('Change shot'))")
    change.locator("summary").click()
    assert change.get_by_label("Mika").is_checked()
    change.screenshot(path=str(screens / "0-change-shot.png"))
    change.locator("summary").click()

    # 3. Takes: two of shot 1, one of each other shot, rendered live on the board.
    for n in (0, 0, 1, 2):
        with page.expect_navigation():
            _shots(page).nth(n).locator("[data-generate]").click()
    _wait_all_takes_done(page, 4)
    assert page.locator("[data-take] video").count() == 4
    generated = Video.objects.filter(remixed_from__isnull=True)
    assert generated.count() == 4 and all(v.status == "completed" for v in generated)
    assert Appearance.objects.filter(character=mika).count() == 4  # every take carries the shot's character
    assert SimCharacter.objects.filter(name="Mika").count() == 1  # made once upstream, then remembered
    assert CharacterUpload.objects.get().upstream_id == SimCharacter.objects.get().id

    # 4. Edit shot 1's first take; extend shot 2's take by 4 s. Each is a new take of its shot.
    take = _shots(page).nth(0).locator("[data-take]").nth(0)
    take.locator("summary:has-text('Edit')").click()
    take.locator("textarea[id^=edit-]").fill("Make the parcel bright red")
    with page.expect_navigation():
        take.locator("button:has-text('Edit take 1')").click()
    take = _shots(page).nth(1).locator("[data-take]").nth(0)
    take.locator("summary:has-text('Extend')").click()
    take.locator("textarea[id^=extend-]").fill("The door opens and Mika steps inside")
    take.locator("select[name=seconds]").select_option("4")
    with page.expect_navigation():
        take.locator("button:has-text('Extend take 1')").click()
    _wait_all_takes_done(page, 6)
    assert "edit of take 1" in _shots(page).nth(0).locator("[data-take]").nth(2).inner_text()
    assert "extension of take 1" in _shots(page).nth(1).locator("[data-take]").nth(1).inner_text()

    # 5. A take per shot: the edit for shot 1 (4 s), the extension for shot 2 (8 s), shot 3's only take (4 s).
    for n, number in ((0, 3), (1, 2), (2, 1)):
        with page.expect_navigation():
            _shots(page).nth(n).locator(f"[data-choose]:has-text('Choose take {number}')").click()
    assert page.locator(".take-chosen").count() == 3
    screenshot("1-board-chosen")
    chosen = [Take.objects.get(shot=s, is_chosen=True).video for s in Shot.objects.order_by("position")]
    expected = sum(v.seconds for v in chosen)
    assert [v.seconds for v in chosen] == [4, 8, 4]

    # 6. The final cut: made, followed live, downloaded (its length checked with PyAV) and played by the page.
    page.click("[data-make-cut]")
    page.wait_for_selector("h1:has-text('Final cut 1')")
    page.wait_for_selector("video[data-player]", timeout=120_000)
    cut = FinalCut.objects.get()
    assert cut.status == "completed", cut.error_message
    with page.expect_download() as info:
        page.click("[data-download]")
    path = tmp_path / "cut.mp4"
    info.value.save_as(path)
    assert _mp4_seconds(path) == pytest.approx(expected, abs=0.2)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert container.streams.audio  # the takes' sound is kept

    page.wait_for_function("document.querySelector('video[data-player]').readyState >= 1", timeout=30_000)
    page.evaluate("document.querySelector('video[data-player]').muted = true")
    page.evaluate("document.querySelector('video[data-player]').play()")
    page.wait_for_function("document.querySelector('video[data-player]').currentTime > 0.3", timeout=30_000)
    played = page.evaluate(
        "(() => { const v = document.querySelector('video[data-player]');"
        " return {w: v.videoWidth, h: v.videoHeight, d: v.duration, r: v.readyState, e: v.error}; })()"
    )
    assert played["e"] is None and played["r"] >= 2 and (played["w"], played["h"]) == (1280, 720)
    assert played["d"] == pytest.approx(expected, abs=0.2)
    screenshot("2-cut")

    # 7. The takes' video pages: Mika is in each, and the lineage names each kind of step.
    edited_from = Video.objects.get(operation="edit").remixed_from
    page.goto(f"{studio.url}/videos/{edited_from.public_id}/")
    assert page.locator("[data-video-cast]").inner_text().strip() == "Mika"
    lineage = page.locator(".lineage")
    assert "edit: Make the parcel bright red" in lineage.inner_text()
    assert "with Mika" in lineage.locator("[data-node-cast]").first.inner_text()
    screenshot("3-edited-take-lineage")
    extension = Video.objects.get(operation="extend")
    page.goto(f"{studio.url}/videos/{extension.public_id}/")
    assert page.locator("[data-video-cast]").inner_text().strip() == "Mika"
    assert "extension to 8 s: The door opens and Mika steps inside" in page.inner_text(".lineage")
    assert page.locator(".lineage .step-extend").count() == 1
    screenshot("4-extension-lineage")
    assert page.inner_text("[data-video-takes]") == "The parcel: shot 2, take 2 (chosen)"
    page.goto(f"{studio.url}/videos/{chosen[2].public_id}/")
    assert page.locator("[data-video-cast]").inner_text().strip() == "Mika"
    page.click("[data-video-takes] a")  # back to the board, at the shot
    page.wait_for_selector("h1:has-text('The parcel')")
    assert page.url.endswith(f"#shot-{Shot.objects.get(position=3).public_id}")
    print(f"screenshots: {screens}")
