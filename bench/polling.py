"""Upstream calls per video: the studio's polling beside the official SDK's `create_and_poll`, on the simulator's
clock.

The simulator's clock (videos/sora/simulator/jobs.py: queued for the first QUEUED_FRACTION of the render, then
in progress with progress = elapsed / render time, completed at the render time, `openai-poll-after-ms` = a tenth
of the render time) drives, without waiting in real time:
- the SDK's loop (openai.resources.videos.create_and_poll: a retrieve right after the create, then one every
  openai-poll-after-ms);
- the studio's own schedule (videos.services.poll_delay, the function the poller uses), without webhooks;
- the studio with webhooks (videos.polling: the safety net; the provider's event at the render time queues one
  retrieve and the archive), the expected render time learned from earlier renders of the same length.
Counted: status calls (retrieves), calls per video (create + retrieves + 3 downloads), and how late the studio
notices completion. Prints numbers, never fails.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / "data" / "bench"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from videos import polling  # noqa: E402
from videos.models import Video  # noqa: E402
from videos.services import poll_delay  # noqa: E402
from videos.sora.simulator.jobs import QUEUED_FRACTION  # noqa: E402

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DOWNLOADS = 3


def simulator(render: float, t: float) -> tuple[str, int]:
    if t >= render:
        return "completed", 100
    if t < render * QUEUED_FRACTION:
        return "queued", 0
    return "in_progress", min(99, int(100 * t / render))


def hint_ms(render: float) -> int:
    return int(max(100, min(render * 1000 / 10, 10_000)))


def sdk(render: float) -> int:
    """Status calls of create_and_poll: a retrieve at once, then every openai-poll-after-ms until completed."""
    h = hint_ms(render) / 1000
    return math.floor(render / h + 1e-9) + 1


def predicted_end_delay(video, hint, now) -> timedelta:
    """What-if (not the studio's policy): look at the end the job's pace predicts, never waiting longer than the
    time already waited nor less than 2 s; before any progress, half the time waited; never faster than the hint."""
    elapsed = (now - video.submitted_at).total_seconds()
    if video.progress > 0:
        seconds = min(elapsed * (100 - video.progress) / video.progress, max(15.0, elapsed))
    else:
        seconds = min(elapsed / 2, 15.0)
    return timedelta(seconds=max(2.0, seconds, (hint or 0) / 1000))


def studio(render: float, delay=poll_delay) -> tuple[int, float]:
    """(status calls, lateness in s) of the studio's adaptive schedule, without webhooks."""
    video = Video(status="queued", progress=0, submitted_at=T0)
    t, calls = 0.0, 0
    status, progress = simulator(render, 0.0)  # the create's answer
    while True:
        video.status, video.progress = status, max(video.progress, progress)
        t += delay(video, hint_ms(render), now=T0 + timedelta(seconds=t)).total_seconds()
        calls += 1
        status, progress = simulator(render, t)
        if status == "completed":
            return calls, t - render


def studio_webhooks(render: float) -> tuple[int, float]:
    """(status calls, lateness) with webhooks: safety looks before the event, then the event's one retrieve."""
    polling.expected_render_seconds = lambda video: render  # learned from earlier renders of the same length
    polling.webhooks_reach_us = lambda provider: True
    video = Video(status="queued", progress=0, submitted_at=T0)
    first = polling.safety_net_delay(video, T0).total_seconds()
    looks, t = 0, first
    while t < render:
        looks += 1
        t += polling.safety_net_delay(video, T0 + timedelta(seconds=t)).total_seconds()
    return looks + 1, 0.0


def main() -> None:
    rows = [
        "### Upstream calls per video (the simulator's clock; videos.services.poll_delay and videos.polling)",
        "",
        "| render | SDK create_and_poll: status calls | studio without webhooks: status calls | ratio | noticed after"
        " | goal: status calls | studio with webhooks: status calls | calls per video (create + status + 3 downloads)"
        " | what-if: look at the predicted end |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for render in (10, 12, 30, 90):
        ref = sdk(render)
        calls, late = studio(render)
        what_if, what_if_late = studio(render, predicted_end_delay)
        hooks, _ = studio_webhooks(render)
        rows.append(
            f"| {render} s | {ref} | {calls} | {calls / ref:.2f}x | {late:.1f} s (goal ≤ {max(2, render / 10):.0f} s)"
            f" | ≤ {ref / 2:.1f} calls | {hooks} | {1 + hooks + DOWNLOADS} (adaptive: {1 + calls + DOWNLOADS})"
            f" | {what_if} calls, {what_if_late:.1f} s late |"
        )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
