"""Scenario 1: the upstream allows 1 job in flight, the studio 4. Its 429s ("too many in progress") mean wait,
never fail: every video is made, one at a time, with no duplicate, and the slot never stands idle for long."""

from __future__ import annotations

from videos.sora.simulator.models import SimVideo

RENDERS = 10


def test_an_upstream_in_flight_limit_of_one_makes_videos_wait_never_fail(fault_run):
    run = fault_run
    run.name = "1 upstream in-flight limit 1, studio cap 4"
    run.start_web(SIM_MAX_IN_FLIGHT="1")
    run.start_worker(SORA_MAX_IN_FLIGHT="4")
    run.start_worker(SORA_MAX_IN_FLIGHT="4")
    run.submit(RENDERS)

    rows = run.wait_done(timeout=150)

    jobs = list(SimVideo.objects.order_by("created"))
    # How long the upstream's one slot stood free while videos waited: from one job's end (created + render
    # time) to the next create it accepted.
    gaps = [b.created - (a.created + a.render_seconds) for a, b in zip(jobs, jobs[1:])]
    overlaps = sum(1 for a, b in zip(jobs, jobs[1:]) if b.created < a.created + a.render_seconds - 0.05)
    run.recovery["longest idle slot"] = max(gaps, default=0.0)
    requests_seen, injected = run.upstream()
    rejected = sum(1 for r in requests_seen if r["path"] == "/sim/v1/videos" and r["request"] == "POST"
                   and r["status"] == 429)  # fmt: skip
    run.faults["429 in-flight limit"] = rejected
    run.notes.append(f"{rejected} creates refused with 429 while the one slot was taken")
    result = run.verify(recovery=max(gaps, default=0.0))

    assert result["archived"] == RENDERS and not result["failed"], result
    assert len(jobs) == RENDERS and overlaps == 0  # the upstream never had two at once
    assert rejected > 0  # the limit was really hit (the studio tried its own cap of 4)
    assert all(v.status == "completed" for v in rows)
