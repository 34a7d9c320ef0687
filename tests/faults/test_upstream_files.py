"""Scenarios 3 and 4, and expiring assets: what the upstream does to a job's files.

- A job that vanishes upstream (404 on a poll, or on the download of a finished job) fails at once, with its
  reason, and the video can be deleted.
- A half-saved video (its MP4 saved, a picture's download failing) is kept and finished: pictures the upstream
  refuses are made locally, a picture that fails for now is fetched again; never a failure hiding a file.
- Files that expired upstream before they were archived: a clear failure saying so, refunded, nothing kept.
"""

from __future__ import annotations

import time

from accounts.actors import Actor
from tests.faults.harness import wait_until
from videos import services
from videos.models import Video
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimVideo

Status = Video.Status


def _fault_times(run, label: str) -> list[float]:
    path = run.tmp / "upstream.jsonl"
    import json

    return [r["t"] for r in map(json.loads, path.read_text().splitlines()) if r.get("fault") == label]


def _failed_at(video_id: int) -> float:
    return Video.objects.get(id=video_id).completed_at.timestamp()


def test_a_vanished_upstream_job_fails_at_once_with_its_reason_and_can_be_deleted(fault_run):
    run = fault_run
    run.name = "3 vanished upstream job (404 on poll / download)"
    run.start_worker()
    run.start_web(SIM_RENDER_SECONDS="4")
    gone_mid_render, *others = run.submit(3)
    faults.inject("status", status=404, method="GET", path=r"/content$")  # the first download: the job is gone

    # One job disappears upstream while it renders (as if deleted there): its next poll is a 404.
    rendering = wait_until(
        lambda: Video.objects.filter(id=gone_mid_render.id, status=Status.IN_PROGRESS, upstream_id__isnull=False)
        .values_list("upstream_id", flat=True).first(), 60, "the job to render upstream",
    )  # fmt: skip
    vanished = time.time()
    assert SimVideo.objects.filter(id=rendering).delete()[0] == 1
    run.faults["job deleted upstream mid-render"] = 1

    rows = run.wait_done(timeout=90)
    by_id = {v.id: v for v in rows}
    poll_404 = _failed_at(gone_mid_render.id) - vanished
    download_404s = [v for v in rows if v.error_code == "gone_upstream"]
    [download_404] = download_404s
    download_recovery = _failed_at(download_404.id) - _fault_times(run, "404")[0]
    run.recovery["poll 404 to failed"] = poll_404
    run.recovery["download 404 to failed"] = download_recovery
    run.verify(
        failures=lambda v: v.error_code in ("not_found_upstream", "gone_upstream"),
        recovery=max(poll_404, download_recovery),
    )

    assert by_id[gone_mid_render.id].status == Status.FAILED
    assert by_id[gone_mid_render.id].error_code == "not_found_upstream"
    assert "no longer knows this job" in by_id[gone_mid_render.id].error_message
    assert "no longer has this video" in download_404.error_message
    assert sum(v.status == Status.COMPLETED for v in rows) == 1  # the third one was untouched
    # Both can be deleted (and the download's job upstream with it); their quota stays refunded.
    for video in (by_id[gone_mid_render.id], download_404):
        services.video_delete(actor=Actor.of_user(run.owner), video=video)
        assert not Video.objects.filter(id=video.id).exists()
    assert not SimVideo.objects.filter(id=download_404.upstream_id).exists()


def test_a_half_saved_video_is_finished_never_hidden_behind_a_failure(fault_run, settings):
    from pathlib import Path

    run = fault_run
    run.name = "4 half-saved video (picture 404 / 500 after the MP4)"
    run.start_worker()
    run.start_web()

    # Both pictures refused for good (404) after the MP4 was saved: the studio makes them from the MP4.
    faults.inject("delay", delay_seconds=0.01, method="GET", path=r"/content$")  # the MP4 passes
    faults.inject("status", status=404, method="GET", path=r"/content$", times=2)
    [derived] = run.submit(1)
    run.wait_done(timeout=60)

    # The thumbnail fails for now (500, past the client's own retries) after the MP4 was saved: the video stays
    # "saving" with its MP4 kept, and the download is tried again.
    faults.inject("delay", delay_seconds=0.01, method="GET", path=r"/content$")
    faults.inject("status", status=500, method="GET", path=r"/content$", times=4)
    [retried] = run.submit(1)
    wait_until(lambda: faults.pending() == 0, 60, "the thumbnail's failures")
    kept = wait_until(lambda: Video.objects.get(id=retried.id).asset_map.get("video"), 10, "the MP4 to be kept")
    assert Video.objects.get(id=retried.id).status == Status.ARCHIVING  # shown as saving, never as failed
    assert Path(kept.file.path).exists()
    failed_for_now = time.time()
    rows = run.wait_done(timeout=90)
    run.recovery["picture 500 to completed"] = Video.objects.get(id=retried.id).archived_at.timestamp() - failed_for_now
    run.verify(recovery=run.recovery["picture 500 to completed"])

    assert [v.status for v in rows] == [Status.COMPLETED, Status.COMPLETED]
    origins = {v.id: {k: a.origin for k, a in v.asset_map.items()} for v in rows}
    assert origins[derived.id] == {"video": "provider", "thumbnail": "studio", "spritesheet": "studio"}
    assert origins[retried.id] == {"video": "provider", "thumbnail": "provider", "spritesheet": "provider"}


def test_files_that_expired_upstream_before_the_archive_end_in_a_clear_failure(fault_run):
    run = fault_run
    run.name = "8 files expired upstream before the archive"
    run.start_worker()
    run.start_web(SIM_ASSET_TTL_SECONDS="1")
    # Each download answers after 2.5 s: by then the files (kept 1 s after completion) have expired upstream.
    faults.inject("delay", delay_seconds=2.5, method="GET", path=r"/content$", times=2)
    run.submit(2)

    rows = run.wait_done(timeout=60)
    late = [_failed_at(v.id) - v.upstream_expires_at.timestamp() for v in rows if v.upstream_expires_at]
    run.recovery["expiry to failed"] = max(late, default=0.0)
    run.verify(failures=lambda v: v.error_code == "expired_before_archive", recovery=max(late, default=0.0))

    assert [v.error_code for v in rows] == ["expired_before_archive"] * 2
    assert all("its files expired there" in v.error_message for v in rows)
