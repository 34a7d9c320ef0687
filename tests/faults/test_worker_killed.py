"""Scenario 5: a worker SIGKILLed mid-archive (and mid-render for the videos it was following) while another
worker runs: the video it was saving is finished by the other worker once the dead one's lease runs out (a
heartbeat-renewed 30 s lease, so within seconds, not minutes), the others go on, and a download cut off midway is
resumed with an HTTP range in the same task."""

from __future__ import annotations

import time

from tests.faults.harness import wait_until
from videos.models import Video
from videos.sora.simulator import faults

Status = Video.Status


def _holder(run, video_id: int):
    """The cluster whose worker is running the archive task of `video_id` (from its log)."""
    for index, worker in enumerate(run.workers):
        text = run.log(f"worker-{index}.log")
        if text.count(f"processing archive video {video_id} ") > text.count(f"(archive video {video_id})"):
            return worker
    return None


def test_a_worker_killed_mid_archive_is_taken_over_within_seconds_and_cut_downloads_resume(fault_run):
    run = fault_run
    run.name = "5 worker SIGKILL mid-archive + cut downloads"
    run.start_worker()
    run.start_worker()
    run.start_web(SIM_RENDER_SECONDS="2")
    faults.inject("delay", delay_seconds=10, method="GET", path=r"/content$")  # the first MP4 takes a while
    run.submit(6)

    slow = wait_until(
        lambda: next((r["path"] for r in _upstream_lines(run) if r.get("fault") == "slow answer"), None), 60,
        "the first download to start",
    )  # fmt: skip
    saving = Video.objects.get(upstream_id=slow.split("/")[1]).id  # videos/<id>/content
    victim = wait_until(lambda: _holder(run, saving), 10, "the worker saving it")
    rendering = list(Video.objects.filter(id__in=run.videos, status__in=Video.RENDERING).values_list("id", flat=True))
    faults.inject("cutoff", method="GET", path=r"/content$", times=2)  # two later downloads break midway
    time.sleep(0.5)
    killed = time.time()
    clock = _runs_the_clock(run, victim)
    run.kill_worker(victim)
    run.faults["worker SIGKILL mid-archive"] = 1
    run.notes.append("the clock (tick) died with the killed worker" if clock else "the clock ran on the other worker")

    rows = run.wait_done(timeout=120)
    finished = {v.id: v for v in rows}
    run.recovery["killed archive finished"] = finished[saving].archived_at.timestamp() - killed
    if rendering:
        run.recovery["mid-render videos finished"] = max(
            finished[i].archived_at.timestamp() - killed for i in rendering if finished[i].archived_at
        )
    resumes = _resumes(run)
    run.recovery["cut download resumed"] = max(resumes, default=0.0)
    run.notes.append(f"{len(resumes)} cut downloads fetched again in the same task")
    run.verify(recovery=run.recovery["killed archive finished"])

    assert all(v.status == Status.COMPLETED for v in rows)
    assert len(resumes) == 2  # each cut download was asked for again (the rest with a range, or whole: see below)
    assert "will retry" not in run.log()  # ... in the same task: no archive was put off for later


def _upstream_lines(run) -> list[dict]:
    import json

    return [json.loads(line) for line in (run.tmp / "upstream.jsonl").read_text().splitlines()]


def _runs_the_clock(run, worker) -> bool:
    """Whether the cluster `worker` is running a tick now (then the clock dies with it, and the next one starts
    when the dead one's 10 s lease has run out and something enqueues a tick: the minute schedule, at the latest)."""
    text = run.log(f"worker-{run.workers.index(worker)}.log")
    started = sum(1 for line in text.splitlines() if " processing " in line and "'videos.tasks.tick'" in line)
    return started > text.count("Processed 'videos.tasks.tick'")


def _resumes(run) -> list[float]:
    """For each cut download, how long until the same file was asked for again. (The simulator's MP4s are far
    smaller than the client's 1 MiB read, so a cut leaves nothing written and the whole file is asked for again;
    a big file's rest is asked for with an HTTP range, see tests/videos/pipeline/test_pipeline_faults.py.)"""
    lines = _upstream_lines(run)
    waits = []
    for i, cut in enumerate(lines):
        if cut.get("fault") != "cut download":
            continue
        same = [r for r in lines[i + 1 :] if "request" in r and r["path"].endswith(cut["path"])]
        if len(same) >= 2:  # the cut request itself, then the next one for the same file
            waits.append(same[1]["t"] - cut["t"])
    return waits
