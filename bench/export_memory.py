"""Peak memory of a project export (transfer/exports.py) as the project grows: streamed, it should stay flat.

Sets the studio up in a throw-away DATA_DIR (SQLite, local storage), makes a project whose videos have archived
MP4s of random bytes (no simulator, no network), then for each size exports it through the same generator the page
streams, into /dev/null, and prints the process's resident memory before and its high-water mark (VmHWM) after.
Each size runs in a fresh process, so one high-water mark never hides another.

    .venv/bin/python bench/export_memory.py                  # 50, 200 and 600 MB projects
    .venv/bin/python bench/export_memory.py --sizes 1000     # one 1 GB project

It prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def run_one(total_mb: int, per_video_mb: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.actors import Actor
    from accounts.models import User
    from accounts.services import project_create
    from assets.services import asset_store
    from providers.selectors import simulator
    from transfer import exports
    from videos.models import Video

    user = User.objects.create_user("bench", password="a long bench password 42")
    project = project_create(actor=Actor.of_user(user), name="Bench")
    provider = simulator()
    count = max(1, total_mb // per_video_mb)
    block = os.urandom(MB)
    with tempfile.TemporaryFile() as source:
        source.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        for _ in range(per_video_mb):
            source.write(block)
        for i in range(count):
            video = Video.objects.create(project=project, owner=user, provider=provider, prompt=f"bench {i}",
                                         model="sora-2", size="1280x720", seconds=4, status="completed",
                                         progress=100)  # fmt: skip
            source.seek(0)
            asset_store(video=video, kind="video", content=source, origin="provider")
    rest = _status("VmRSS")
    plan = exports.export_plan(project)
    written = 0
    with open(os.devnull, "wb") as sink:
        for chunk in exports.export_stream(plan):
            written += len(chunk)
            sink.write(chunk)
    peak = _status("VmHWM")
    print(f"{total_mb:>6} MB project ({count} videos): zip {written / MB:8.1f} MB; RSS at rest {rest / MB:6.1f} MB, "
          f"peak {peak / MB:6.1f} MB (+{(peak - rest) / MB:.1f} MB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 200, 600], help="project sizes in MB")
    parser.add_argument("--per-video", type=int, default=50, help="MB per video")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.per_video)
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="export-bench-") as data:
            env = {**os.environ, "DATA_DIR": data, "DATABASE_URL": "", "REDIS_URL": "", "LOG_LEVEL": "WARNING"}
            subprocess.run([sys.executable, __file__, "--one", str(size), "--per-video", str(args.per_video)],
                           env=env, check=True)  # fmt: skip


if __name__ == "__main__":
    main()
