"""The mixed scenario: 30 videos through two worker clusters while 30 % of the upstream's answers are faults
(429 with retry hints, 500, 503, 1-3 s delays, cut downloads) and 7.5 % of its jobs fail. Every video ends:
archived whole, or failed with the upstream's reason (only the jobs the upstream failed); none lost, none
made twice upstream."""

from __future__ import annotations

from videos.models import Video

VIDEOS = 30


def test_thirty_videos_through_random_upstream_faults(fault_run):
    run = fault_run
    run.name = "10 mixed: 30 videos, 30 % random faults"
    run.start_worker(SORA_MAX_IN_FLIGHT="6")
    run.start_worker(SORA_MAX_IN_FLIGHT="6")
    run.start_web(SIM_FAULT_RATE="0.3")
    run.submit(VIDEOS)

    rows = run.wait_done(timeout=240)
    finished = [v for v in rows if v.archived_at or v.completed_at]
    run.recovery["mean submit to end"] = sum(
        ((v.archived_at or v.completed_at) - v.created_at).total_seconds() for v in finished
    ) / max(1, len(finished))
    result = run.verify(failures=lambda v: v.error_code == "internal_error")

    _, injected = run.upstream()
    assert sum(injected.values()) > VIDEOS  # the faults really were there
    assert result["archived"] + sum(result["failed"].values()) == VIDEOS
    assert all(v.status in (Video.Status.COMPLETED, Video.Status.FAILED) for v in rows)
