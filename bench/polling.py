"""Upstream calls per video: the studio's polling beside the official SDK's `create_and_poll`, on the simulator's
clock.

The simulator's clock (videos/sora/simulator/jobs.py: queued for the first QUEUED_FRACTION of the render, then
in progress with progress = elapsed / render time, completed at the render time, `openai-poll-after-ms` = a tenth
of the render time) drives, without waiting in real time:
- the SDK's loop (openai.resources.videos.create_and_poll: a retrieve right after the create, then one every
  openai-poll-after-ms);
- the studio's own schedule (videos.services.poll_delay, the function the poller uses), without webhooks, beside
  the schedule it had before (main_before_delay);
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

from django.conf import settings  # noqa: E402

from videos import polling  # noqa: E402
from videos.models import Video  # noqa: E402
from videos.services import poll_delay  # noqa: E402
from videos.sora.simulator.jobs import QUEUED_FRACTION  # noqa: E402

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DOWNLOADS = 3


def simulator(render: float, t: float, pace=lambda x: x) -> tuple[str, int]:
    """The simulator's answer at `t`; `pace` maps the fraction of the render time gone to the fraction done (the
    simulator's own is linear; the robustness table tries others)."""
    if t >= render:
        return "completed", 100
    if t < render * QUEUED_FRACTION:
        return "queued", 0
    return "in_progress", min(99, int(100 * pace(t / render)))


def hint_ms(render: float) -> int:
    return int(max(100, min(render * 1000 / 10, 10_000)))


def sdk(render: float) -> int:
    """Status calls of create_and_poll: a retrieve at once, then every openai-poll-after-ms until completed."""
    h = hint_ms(render) / 1000
    return math.floor(render / h + 1e-9) + 1


def main_before_delay(video, hint, now) -> timedelta:
    """The schedule before issue #12's tuning (main at 770631d), for the "before" column: a third of the time the
    job's pace says is left, between POLL_MIN_SECONDS and POLL_MAX_SECONDS; before any progress, half the time
    waited; never faster than the hint."""
    lo, hi = settings.POLL_MIN_SECONDS, settings.POLL_MAX_SECONDS
    elapsed = (now - video.submitted_at).total_seconds()
    if video.progress > 0 and elapsed > 0:
        seconds = elapsed * (100 - video.progress) / video.progress / 3
    else:
        seconds = elapsed / 2
    seconds = min(hi, max(lo, seconds))
    if hint:
        seconds = max(seconds, hint / 1000)
    return timedelta(seconds=max(lo, seconds))


def studio(render: float, delay=poll_delay, pace=lambda x: x, hint: bool = True) -> tuple[int, float]:
    """(status calls, lateness in s) of the studio's adaptive schedule, without webhooks."""
    video = Video(status="queued", progress=0, submitted_at=T0)
    t, calls = 0.0, 0
    status, progress = simulator(render, 0.0, pace)  # the create's answer
    while True:
        video.status, video.progress = status, max(video.progress, progress)
        t += delay(video, hint_ms(render) if hint else None, now=T0 + timedelta(seconds=t)).total_seconds()
        calls += 1
        status, progress = simulator(render, t, pace)
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


PACES = {
    "even (the simulator's)": lambda x: x,
    "slow start (x²)": lambda x: x * x,
    "fast start (√x)": math.sqrt,
    "stalls at 95 %": lambda x: min(0.95, x * 1.3),
}


def main() -> None:
    rows = [
        "### Upstream calls per video (the simulator's clock; videos.services.poll_delay and videos.polling)",
        "",
        "| render | SDK create_and_poll: status calls | studio without webhooks: status calls | ratio | noticed after"
        " | goal | before (main at 770631d): status calls, noticed after | studio with webhooks: status calls"
        " | calls per video with webhooks (create + status + 3 downloads) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for render in (10, 12, 30, 90, 180):
        ref = sdk(render)
        calls, late = studio(render)
        before, before_late = studio(render, main_before_delay)
        hooks, _ = studio_webhooks(render)
        rows.append(
            f"| {render} s | {ref} | {calls} | {calls / ref:.2f}x | {late:.1f} s"
            f" | ≤ {ref / 2:.1f} calls, ≤ {max(2, render / 10):.0f} s | {before}, {before_late:.1f} s | {hooks}"
            f" | {1 + hooks + DOWNLOADS} (without: {1 + calls + DOWNLOADS}) |"
        )
    rows += [
        "",
        "Other paces (a provider whose progress is not even in time), status calls and lateness, now / before:",
        "",
        "| pace | " + " | ".join(f"{r} s" for r in (10, 30, 90)) + " | 90 s, no openai-poll-after-ms |",
        "|---|---|---|---|---|",
    ]
    for name, pace in PACES.items():
        cells = []
        for render in (10, 30, 90):
            (a, al), (b, bl) = studio(render, pace=pace), studio(render, main_before_delay, pace=pace)
            cells.append(f"{a}, {al:.1f} s / {b}, {bl:.1f} s")
        (a, al), (b, bl) = studio(90, pace=pace, hint=False), studio(90, main_before_delay, pace=pace, hint=False)
        cells.append(f"{a}, {al:.1f} s / {b}, {bl:.1f} s")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
