"""Archiving speed and memory: the studio's archive step beside plain `requests` streaming the same bytes to a file.

    .venv/bin/python bench/archive.py              # a 1,000 MB video, 5 rounds
    .venv/bin/python bench/archive.py --quick      # a 300 MB video, 3 rounds
    .venv/bin/python bench/archive.py --mb 1000

A local HTTP server in a process of its own (tests/deploy/upstream.py's ContentServer) answers
`GET /v1/videos/{id}/content` with a real MP4 (the simulator's render) followed by a `free` box that makes it the
size asked for, sent in 1 MiB pieces of random bytes (so nothing compresses them). Each round runs, each in a fresh
process and one after the other, so a figure and its reference share the machine's noise:
- plain requests -> file: `requests.get(stream=True)`, `iter_content(1 MiB)` written to a file on the same disk
  as the studio's MEDIA_ROOT (the reference);
- studio -> local storage: videos.services._archive_variant (the archive step for one file: the studio's client
  streams, counts and hashes the download into assets.services.AssetStream, which writes it straight into
  storage; then the MP4's headers are probed and the asset row saved);
- studio -> S3: the same into a SeaweedFS bucket (`weed mini`, started as tests/deploy/s3server.py does);
- plain requests -> S3 (a second reference for S3): the response body handed to boto3's `upload_fileobj`.
Peak memory: each process resets its peak resident size (/proc/self/clear_refs) after Django, the database and
boto3 are ready, and reports VmHWM minus the resident size at that moment. BENCH_ARCHIVE_PROFILE=<file> appends
cProfile's top functions of every measured run to that file. Prints numbers, never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
VIDEO_ID = "video_archivebench"  # each studio run's video: VIDEO_ID + a suffix of its own
API_KEY = "sk-bench"
CHUNK = 1 << 20
MODES = {
    "requests-file": "plain requests -> file",
    "studio-local": "studio -> local storage",
    "requests-s3": "plain requests -> S3 (boto3 upload_fileobj)",
    "studio-s3": "studio -> S3",
}


# ---------------------------------------------------------------------------------------------------------------
# The upstream: a process serving one big MP4
# ---------------------------------------------------------------------------------------------------------------
def serve(mp4: Path, total: int) -> None:
    from tests.deploy.upstream import ContentServer

    head = mp4.read_bytes()
    filler = total - len(head) - 8
    block = os.urandom(CHUNK)

    def chunks():
        yield head + filler.to_bytes(4, "big") + b"free"  # a top-level `free` box: players skip it
        left = filler - 8  # the box's payload (its 8-byte header is counted in `filler`)
        while left > 0:
            piece = block if left >= CHUNK else block[:left]
            left -= len(piece)
            yield piece

    server = ContentServer()
    server.serve_stream(VIDEO_ID, chunks, length=len(head) + filler)
    answer = server.answers[VIDEO_ID]

    class EveryId(dict):  # each measurement's video has an upstream id of its own: the same file for all
        def get(self, key, default=None):
            return answer

    server.answers = EveryId()
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


# ---------------------------------------------------------------------------------------------------------------
# One measurement, in a process of its own
# ---------------------------------------------------------------------------------------------------------------
def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def one(mode: str, base_url: str, out_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import requests

    result: dict = {"mode": mode}
    if mode.startswith("studio"):
        from django.contrib.auth import get_user_model

        from accounts.actors import Actor
        from accounts.services import project_create
        from providers.environment import sync
        from providers.selectors import simulator
        from videos import services
        from videos.lifecycle import upstream_key
        from videos.models import Video
        from videos.sora.client import SoraClient

        sync()
        user, _ = get_user_model().objects.get_or_create(username="archivebench")
        project = project_create(actor=Actor.of_user(user), name=f"Archive bench {time.time_ns()}")
        upstream_id = f"{VIDEO_ID}_{time.time_ns()}"
        video = Video.objects.create(
            project=project, owner=user, created_by=user, prompt="archive bench", model="sora-2", size="1280x720",
            seconds=4, status="archiving", provider=simulator(), upstream_id=upstream_id,
            upstream_key=upstream_key(upstream_id),
        )  # fmt: skip
        client = SoraClient(api_key=API_KEY, base_url=base_url, max_retries=0)
        run = lambda: services._archive_variant(client, video, "video")  # noqa: E731
    elif mode == "requests-file":
        target = out_dir / f"plain-{os.getpid()}.mp4"

        def run():
            url = f"{base_url}/videos/{VIDEO_ID}/content"
            with requests.get(url, params={"variant": "video"}, stream=True, timeout=60,
                              headers={"Authorization": f"Bearer {API_KEY}"}) as r, open(target, "wb") as fh:  # fmt: skip
                r.raise_for_status()
                for chunk in r.iter_content(chunk_size=CHUNK):
                    fh.write(chunk)
            return target.stat().st_size
    else:  # requests-s3
        from django.core.files.storage import default_storage

        key = default_storage.key(f"plain/{os.getpid()}.mp4")

        def run():
            url = f"{base_url}/videos/{VIDEO_ID}/content"
            with requests.get(url, params={"variant": "video"}, stream=True, timeout=60,
                              headers={"Authorization": f"Bearer {API_KEY}"}) as r:  # fmt: skip
                r.raise_for_status()
                default_storage.connection.meta.client.upload_fileobj(r.raw, default_storage.bucket_name, key)
            default_storage.connection.meta.client.delete_object(Bucket=default_storage.bucket_name, Key=key)

    if mode.endswith("s3"):
        from django.core.files.storage import default_storage

        default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)  # boto3's models loaded
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak resident size (VmHWM) to the current one
    rest = _rss_kb("VmRSS")
    profile_to = os.environ.get("BENCH_ARCHIVE_PROFILE")  # a file: cProfile's top functions of this run go there
    if profile_to:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        run = (lambda inner: lambda: profiler.runcall(inner))(run)
    started = time.perf_counter()
    outcome = run()
    result["seconds"] = time.perf_counter() - started
    if profile_to:
        with open(profile_to, "a") as fh:
            fh.write(f"==== {mode}: {result['seconds']:.2f} s\n")
            pstats.Stats(profiler, stream=fh).sort_stats("tottime").print_stats(12)
    result["peak_mb"] = (_rss_kb("VmHWM") - rest) / 1024
    result["rest_mb"] = rest / 1024
    if mode.startswith("studio"):
        result["bytes"] = outcome.bytes
        from django.core.files.storage import default_storage

        default_storage.delete(outcome.file.name)
    elif mode == "requests-file":
        result["bytes"] = outcome
        (out_dir / f"plain-{os.getpid()}.mp4").unlink()
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------------------------
# The parent: rounds of every mode, side by side
# ---------------------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 300 MB video, 3 rounds")
    parser.add_argument("--mb", type=int, help="the video's size in MB (default 1000; --quick: 300)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--no-s3", action="store_true")
    parser.add_argument("--modes", help="a comma-separated subset of " + ", ".join(MODES))
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(Path(args.serve[0]), int(args.serve[1]))
    if args.one:
        return one(args.one[0], args.one[1], Path(args.one[2]))

    mb = args.mb or (300 if args.quick else 1000)
    rounds = args.rounds or (3 if args.quick else 5)
    folder = Path(tempfile.mkdtemp(prefix="studio-archive-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "AWS_", "REDIS_URL"))}
    env.update(DATA_DIR=str(folder), DATABASE_URL=f"sqlite:///{folder}/db.sqlite3", LOG_LEVEL="ERROR", DEBUG="false")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(folder))
    sys.path.insert(0, str(ROOT))
    from tests.assets import mp4s

    mp4 = mp4s.simulator_render(folder / "render", 1280, 720, 4)
    upstream = subprocess.Popen([PYTHON, __file__, "--serve", str(mp4), str(mb * 1_000_000)], cwd=ROOT, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    base_url = upstream.stdout.readline().strip()
    weed = None
    modes = ["requests-file", "studio-local"]
    if not args.no_s3:
        from tests.deploy.s3server import start_weed

        weed = start_weed()
        modes += ["requests-s3", "studio-s3"]
    if args.modes:
        modes = [m for m in modes if m in args.modes.split(",")]
    results: dict[str, list[dict]] = {m: [] for m in modes}
    failures: dict[str, str] = {}
    try:
        for r in range(rounds):
            for mode in modes:
                if mode in failures:
                    continue
                menv = {**env, **(weed.env() if mode.endswith("s3") else {})}
                done = subprocess.run([PYTHON, __file__, "--one", mode, base_url, str(folder)], cwd=ROOT, env=menv,
                                      capture_output=True, text=True)  # fmt: skip
                if done.returncode:
                    failures[mode] = (done.stderr.strip().splitlines() or [str(done.returncode)])[-1]
                    continue
                results[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  archive: round {r + 1} of {rounds} done", file=sys.stderr)
    finally:
        upstream.stdin.close()
        upstream.wait(10)
        if weed:
            weed.stop()
        subprocess.run(["rm", "-rf", str(folder)])

    def median(mode, key):
        values = [x[key] for x in results.get(mode, [])]
        return statistics.median(values) if values else None

    size = mb * 1_000_000
    ref = median("requests-file", "seconds")
    lines = [
        f"### Archiving a {mb:,} MB video ({rounds} rounds, medians; each run a fresh process, the modes in turn)",
        "",
        "| path | MB/s | time | ratio to plain requests -> file | peak memory above rest |",
        "|---|---|---|---|---|",
    ]
    for mode in modes:
        seconds, peak = median(mode, "seconds"), median(mode, "peak_mb")
        if seconds is None:
            lines.append(f"| {MODES[mode]} | — | — | — | — | failed: {failures.get(mode, '')}")
            continue
        worst = max(x["peak_mb"] for x in results[mode])
        lines.append(
            f"| {MODES[mode]} | {size / seconds / 1e6:,.0f} | {seconds:.2f} s | {ref / seconds:.2f}x |"
            f" +{peak:.1f} MB (worst +{worst:.1f}) |"
        )
    if "requests-s3" in results and median("requests-s3", "seconds") and median("studio-s3", "seconds"):
        lines.append("")
        lines.append(
            f"Studio -> S3 beside plain requests -> S3: "
            f"{median('requests-s3', 'seconds') / median('studio-s3', 'seconds'):.2f}x."
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
