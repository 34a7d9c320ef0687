"""The final cut task really stitches the simulator's MP4s with PyAV: the output lasts the sum of the chosen takes,
has their frame size and their sound, gets a thumbnail and a spritesheet, and a shot list with timecodes. A cut that
cannot be made fails with the reason and leaves no file in storage."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from accounts.actors import Actor
from assets.media import probe_mp4
from assets.models import Asset
from quotas.models import QuotaCharge, QuotaUsage
from storyboards import services
from storyboards.models import FinalCut
from storyboards.tasks import make_cut
from tests.storyboards.conftest import add_shot, add_take

pytestmark = pytest.mark.django_db


def _board_with(board, alice, make_video, *clips_and_sizes):
    """One shot per (mp4 bytes, size, seconds), each with that video as its chosen take."""
    for n, (data, size, seconds) in enumerate(clips_and_sizes, start=1):
        shot = add_shot(board, f"Shot number {n}", seconds=seconds)
        add_take(shot, make_video(board.project, alice, video=data, size=size, seconds=seconds), chosen=True)
    return board


def _cut(board, alice, crossfade_ms=0) -> FinalCut:
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board, crossfade_ms=crossfade_ms)
    make_cut(cut.id)
    cut.refresh_from_db()
    return cut


def _stored_files() -> set[str]:
    found = set()
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        if "simulator" in folder:
            continue
        found |= {os.path.join(folder, f) for f in files}
    return found


def test_three_takes_make_one_mp4_as_long_as_all_of_them(board, alice, make_video, clips):
    sources = [clips(prompt="a kite"), clips(seconds=8, prompt="a lake"), clips(prompt="a tower")]
    _board_with(board, alice, make_video, (sources[0], "1280x720", 4), (sources[1], "1280x720", 8),
                (sources[2], "1280x720", 4))  # fmt: skip
    cut = _cut(board, alice)

    assert cut.status == "completed", cut.error_message
    assert not QuotaCharge.objects.exists() and not QuotaUsage.objects.exists()  # the studio's own work: no charge
    assert (cut.number, cut.progress, cut.width, cut.height, cut.has_audio) == (1, 100, 1280, 720, True)
    with cut.video.file.open("rb") as fh:
        info = probe_mp4(fh)
    inputs = []
    for data in sources:
        import io

        inputs.append(probe_mp4(io.BytesIO(data)))
    assert info.duration_seconds == pytest.approx(sum(i.duration_seconds for i in inputs), abs=1 / 8)
    assert info.duration_seconds == pytest.approx(16, abs=1 / 8) and cut.duration_seconds == pytest.approx(16)
    assert (info.width, info.height, info.has_audio) == (1280, 720, True)
    assert [(e["shot"], e["take"], e["start"], e["end"]) for e in cut.entries] == [
        (1, 1, 0.0, 4.0), (2, 1, 4.0, 12.0), (3, 1, 12.0, 16.0)
    ]  # fmt: skip
    assert cut.thumbnail.file.read(12)[8:12] == b"WEBP" and cut.spritesheet.file.read(3) == b"\xff\xd8\xff"
    assert {a.origin for a in (cut.video, cut.thumbnail, cut.spritesheet)} == {"studio"}
    assert cut.video.bytes == cut.video.file.size and cut.video.video_id is None


def test_silent_takes_make_a_silent_cut_and_one_with_sound_keeps_it(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(audio=False), "1280x720", 4), (clips(audio=False), "1280x720", 4))
    silent = _cut(board, alice)
    with silent.video.file.open("rb") as fh:
        assert probe_mp4(fh).has_audio is False
    shot = board.shots.get(position=2)
    add_take(shot, make_video(board.project, alice, video=clips()))
    services.take_choose(actor=Actor.of_user(alice), take=shot.takes.get(number=2))
    mixed = _cut(board, alice)
    with mixed.video.file.open("rb") as fh:
        info = probe_mp4(fh)
    assert (mixed.number, info.has_audio, mixed.has_audio) == (2, True, True)
    assert info.duration_seconds == pytest.approx(8, abs=1 / 8)


def test_recutting_after_changing_a_take_keeps_the_previous_cut(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(prompt="first"), "1280x720", 4))
    first = _cut(board, alice)
    shot = board.shots.get()
    longer = add_take(shot, make_video(board.project, alice, video=clips(seconds=8), seconds=8))
    services.take_choose(actor=Actor.of_user(alice), take=longer)
    second = _cut(board, alice)
    first.refresh_from_db()
    assert (first.status, second.status) == ("completed", "completed")
    assert (first.duration_seconds, second.duration_seconds) == (pytest.approx(4), pytest.approx(8))
    assert first.video.file.storage.exists(first.video.file.name) and first.video_id != second.video_id
    assert (first.entries[0]["take"], second.entries[0]["take"]) == (1, 2)


def test_takes_at_different_frame_rates_are_reencoded_to_one(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(fps=8), "1280x720", 4), (clips(fps=16, prompt="fast"), "1280x720", 4))
    cut = _cut(board, alice)
    with cut.video.file.open("rb") as fh:
        info = probe_mp4(fh)
    assert (cut.fps, info.fps) == (16.0, 16.0)
    assert info.duration_seconds == pytest.approx(8, abs=1 / 16)


def test_a_crossfade_overlaps_neighbouring_takes(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(), "1280x720", 4), (clips(prompt="b"), "1280x720", 4),
                (clips(prompt="c"), "1280x720", 4))  # fmt: skip
    cut = _cut(board, alice, crossfade_ms=500)
    with cut.video.file.open("rb") as fh:
        info = probe_mp4(fh)
    assert info.duration_seconds == pytest.approx(12 - 2 * 0.5, abs=1 / 8) and info.has_audio
    assert [(e["start"], e["end"]) for e in cut.entries] == [(0.0, 4.0), (3.5, 7.5), (7.0, 11.0)]


# ---------------------------------------------------------------------------------------------------------------
# A cut that cannot be made: a reason, and nothing left behind
# ---------------------------------------------------------------------------------------------------------------
def _failed_and_clean(board, alice, cut, before, match):
    make_cut(cut.id)
    cut.refresh_from_db()
    assert cut.status == "failed" and cut.video_id is None and cut.thumbnail_id is None
    assert match in cut.error_message, cut.error_message
    assert _stored_files() == before, "a failed cut left a file in storage"
    assert not Asset.objects.filter(video__isnull=True).exists()
    assert not QuotaCharge.objects.exists()


def test_a_take_deleted_after_the_cut_was_asked_for_fails_it(
    board, alice, make_video, clips, django_capture_on_commit_callbacks
):
    from videos import services as videos

    _board_with(board, alice, make_video, (clips(), "1280x720", 4), (clips(prompt="b"), "1280x720", 4))
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    with django_capture_on_commit_callbacks(execute=True):
        videos.video_delete(actor=Actor.of_user(alice), video=board.shots.get(position=2).takes.get().video)
    _failed_and_clean(board, alice, cut, _stored_files(), "Shot 2 (take 1): its video was deleted")


def test_a_source_file_missing_when_stitching_fails_the_cut(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(), "1280x720", 4), (clips(prompt="b"), "1280x720", 4))
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    asset = board.shots.get(position=1).takes.get().video.assets.get(kind="video")
    asset.file.storage.delete(asset.file.name)
    _failed_and_clean(board, alice, cut, _stored_files(), "Shot 1 (take 1): its MP4 is missing")


def test_files_of_mixed_sizes_fail_the_cut_even_when_the_rows_agree(board, alice, make_video, clips):
    # A provider that made another size than it was asked for: the rows say 1280x720, the second file is not.
    _board_with(board, alice, make_video, (clips(), "1280x720", 4), (clips(720, 1280), "1280x720", 4))
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    _failed_and_clean(board, alice, cut, _stored_files(), "different frame sizes")
    assert "720x1280" in cut.error_message


def test_a_source_that_is_not_an_mp4_fails_the_cut(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(), "1280x720", 4), (b"<html>not a video</html>", "1280x720", 4))
    cut = services.cut_request(actor=Actor.of_user(alice), storyboard=board)
    _failed_and_clean(board, alice, cut, _stored_files(), "Shot 2 (take 1) cannot be read")


def test_running_the_task_twice_stitches_once(board, alice, make_video, clips):
    _board_with(board, alice, make_video, (clips(), "1280x720", 4))
    cut = _cut(board, alice)
    files = _stored_files()
    make_cut(cut.id)
    cut.refresh_from_db()
    assert cut.status == "completed" and _stored_files() == files


def test_takes_whose_files_came_from_different_providers_are_cut_together(board, alice, make_video, clips):
    from providers.models import Provider

    elsewhere = Provider.objects.create(slug="elsewhere", name="Elsewhere", base_url="https://else.example/v1")
    first = add_shot(board, "From the simulator")
    add_take(first, make_video(board.project, alice, video=clips()), chosen=True)
    second = add_shot(board, "From another server")
    other = make_video(board.project, alice, video=clips(fps=24, prompt="other", audio=False), provider=elsewhere)
    add_take(second, other, chosen=True)
    cut = _cut(board, alice)
    with cut.video.file.open("rb") as fh:
        info = probe_mp4(fh)
    assert cut.status == "completed" and (info.fps, info.has_audio) == (24.0, True)
    assert info.duration_seconds == pytest.approx(8, abs=1 / 24)


def test_the_same_video_chosen_for_two_shots_is_cut_twice(board, alice, make_video, clips):
    video = make_video(board.project, alice, video=clips())
    for n in (1, 2):
        add_take(add_shot(board, f"Shot {n}"), video, chosen=True)
    cut = _cut(board, alice)
    assert cut.status == "completed", cut.error_message
    assert cut.duration_seconds == pytest.approx(8) and [e["shot"] for e in cut.entries] == [1, 2]
