"""How long deriving a thumbnail and a spritesheet from an MP4 takes, and how much memory it needs.

    .venv/bin/python bench/media_derive.py [--seconds 4 12 20] [--sizes 1280x720 1792x1024] [--repeat 3]

Two kinds of input for each size and length:
- "sim": the simulator's own MP4 (8 fps, H.264 ultrafast, a single keyframe, AAC sound), rendered by
  videos/sora/simulator/render.py;
- "30fps": 30 fps with a keyframe every second (the GOP real providers tend to send; flat-colour frames), encoded
  with PyAV by tests/assets/mp4s.py.

Each measurement runs in a fresh Python process: time is the best of --repeat runs, peak memory is the growth of the
process's peak resident set (VmHWM) over its peak after importing and probing a small MP4. Nothing is
asserted: the numbers are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FPS = {"sim": 8, "30fps": 30}  # the two kinds of input
sys.path.insert(0, str(REPO))


def child(small: str, video: str, repeat: int) -> None:
    """In a fresh process: time and peak memory of thumbnail_from_mp4 and spritesheet_from_mp4 on `video`."""
    from assets import media

    decoded = {"frames": 0}  # frames the last call decoded (read off the frame reader, for the report only)
    decode_one = media._Frames._decode_one

    def counting(self, seconds):
        frame = decode_one(self, seconds)
        decoded["frames"] = self.decoded
        return frame

    media._Frames._decode_one = counting
    media.probe_mp4(small)
    base = high_water_kb()
    result: dict[str, float] = {"base_mb": base / 1024}
    for name, fn in (("probe", media.probe_mp4), ("thumbnail", media.thumbnail_from_mp4),
                     ("spritesheet", media.spritesheet_from_mp4)):  # fmt: skip
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            fn(video)
            best = min(best, time.perf_counter() - start)
        result[name] = best
        result[f"{name}_frames"] = decoded["frames"]
        decoded["frames"] = 0
    result["peak_mb"] = (high_water_kb() - base) / 1024
    print(json.dumps(result))


def high_water_kb() -> int:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that over from the parent across
    fork and exec, so a child of a big process would measure nothing."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, nargs="+", default=[4, 12, 20])
    parser.add_argument("--sizes", nargs="+", default=["1280x720", "1792x1024"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.repeat)
        return

    from tests.assets.mp4s import encode_counter, simulator_render

    with tempfile.TemporaryDirectory(prefix="media-bench-") as tmp:
        root = Path(tmp)
        small = simulator_render(root / "small", 320, 180, 1)
        print(f"{'input':<7} {'size':>9} {'len':>4} {'MP4 KB':>7} {'probe ms':>9} {'thumb ms':>9} {'sheet ms':>9} "
              f"{'peak MB':>8}  frames decoded thumb/sheet (of total)")  # fmt: skip
        print("(peak MB: over the process's peak after imports and a first probe, about 42 MB)")
        for size in args.sizes:
            width, height = map(int, size.split("x"))
            for seconds in args.seconds:
                for kind, fps in FPS.items():
                    if kind == "sim":
                        video = simulator_render(root / f"sim-{size}-{seconds}", width, height, seconds)
                    else:
                        path = root / f"30fps-{size}-{seconds}.mp4"
                        video = encode_counter(path, width=width, height=height, seconds=seconds, fps=fps, keyint=fps)
                    out = subprocess.run(
                        [sys.executable, __file__, "--repeat", str(args.repeat), "--child", str(small), str(video)],
                        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                        check=True,
                    )  # fmt: skip
                    r = json.loads(out.stdout)
                    ms = [f"{r[name] * 1000:>9.1f}" for name in ("probe", "thumbnail", "spritesheet")]
                    frames = f"{r['thumbnail_frames']}/{r['spritesheet_frames']} ({seconds * fps})"
                    kb = video.stat().st_size // 1024
                    print(f"{kind:<7} {size:>9} {seconds:>3}s {kb:>7} {' '.join(ms)} {r['peak_mb']:>8.1f}  {frames}",
                          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
