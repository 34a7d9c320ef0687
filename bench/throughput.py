"""Throughput, submit -> archived at zero render time, with 1, 2 and 4 worker processes, beside the simulator's raw rate.

    .venv/bin/python bench/throughput.py             # 60 videos per run
    .venv/bin/python bench/throughput.py --quick     # 30 videos per run
    .venv/bin/python bench/throughput.py --workers 1,2

The studio runs as its real processes, as tests/deploy/test_multiworker.py starts them: gunicorn (deploy/gunicorn.conf.py,
1 process x 8 threads) serving the studio and its built-in simulator, and `manage.py qcluster` with Q_WORKERS=1, 2
or 4 worker processes, on PostgreSQL (`BENCH_THROUGHPUT_URL`, default postgres://postgres@127.0.0.1:5432/
sora_benchhelper, migrated once and copied as a template for every run) and Redis (`BENCH_REDIS_URL`, default
redis://127.0.0.1:6379/15, emptied before every run), files on local storage. Two providers with in-flight caps of
their own (the simulator: 4, "sim-b", the same simulator under another key: 3), set up and submitted to by
tests/deploy/scale_script.py (4 members, round-robin over the providers). The simulator renders at once
(SIM_RENDER_SECONDS=0, SIM_FPS=1: a 4 s 1280x720 MP4 made with PyAV); no webhooks, polling at POLL_MIN_SECONDS=0.25.

Jobs/s = videos / (last archived_at - first created_at). The raw rate, measured on the same server just before
each run: the same calls (create, retrieve every 0.25 s until completed, 3 downloads) made directly with the
studio's client (videos/sora/client.py), 7 at a time (the two caps together), files thrown away. The simulator
renders 2 jobs at a time per web process, so its raw rate is bounded by its renders. Runs follow one another:
compare the ratios, not the jobs/s across runs. Prints numbers, never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
CAPS = {"simulator": 4, "sim-b": 3}
SIM_KEY = "sk-sim-bench-" + uuid.uuid4().hex
B_KEY = "sk-b-bench-" + uuid.uuid4().hex


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql)


class Studio:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, code: str) -> dict:
        done = subprocess.run([PYTHON, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, name: str, command: list[str], **extra: str) -> None:
        log = open(self.folder / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **extra}, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def cpu_seconds(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        groups = {p.pid: name for name, p in self.processes.items()}
        used = dict.fromkeys(self.processes, 0.0)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                name = groups.get(int(fields[2]))
                if name is not None:
                    used[name] += sum(int(f) for f in fields[11:15]) / tick
        return used

    def stop(self) -> None:
        for p in self.processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for p in self.processes.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes.clear()


def wait(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(interval)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def one_run(workers: int, videos: int, base: str, redis_url: str, folder: Path, raw: bool) -> dict:
    """A fresh copy of the migrated database, the web server and one qcluster of `workers` processes; `videos` videos
    submitted at once; the seconds from the first submission to the last archive."""
    import psycopg
    import redis

    db = f"{urlparse(base).path.lstrip('/')}_run"
    psql(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(base, f'CREATE DATABASE "{db}" TEMPLATE "{urlparse(base).path.lstrip("/")}"')
    db_url = urlparse(base)._replace(path=f"/{db}").geturl()
    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = folder / f"data-{workers}"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(data), "DATABASE_URL": db_url,
        "REDIS_URL": redis_url, "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2, "SITE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SIMULATOR_API_KEY": SIM_KEY, "PROVIDER_SIMB_KEY": B_KEY,
        "SORA_SIMULATOR": "true", "SIM_RENDER_SECONDS": "0", "SIM_FPS": "1", "POLL_MIN_SECONDS": "0.25",
        "POLL_MAX_SECONDS": "1", "Q_WORKERS": str(workers), "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8", "DEBUG": "false",
    })  # fmt: skip
    studio = Studio(folder, env)
    result: dict = {"workers": workers, "videos": videos}
    try:
        studio.run(f"from tests.deploy import scale_script as s; s.setup({CAPS!r}, {url + '/sim/v1'!r})")
        studio.start("web", [PYTHON, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "--max-requests", "0",
                             "config.wsgi:application"])  # fmt: skip
        wait(lambda: answers(f"{url}/healthz/"), 90, "the web server")
        if raw:
            result["raw"] = raw_rate(f"{url}/sim/v1", videos)
        studio.start("worker", [PYTHON, "manage.py", "qcluster"])
        time.sleep(3)  # the cluster's processes up
        cpu_before = studio.cpu_seconds()
        studio.run(f"from tests.deploy import scale_script as s; s.submit({videos})")
        with psycopg.connect(db_url, autocommit=True) as conn:

            def finished():
                [(done,)] = conn.execute("SELECT count(*) FROM videos_video WHERE status IN ('completed', 'failed')")
                for name, p in studio.processes.items():
                    if p.poll() is not None:
                        raise RuntimeError(f"{name} exited: {(folder / f'{name}.log').read_text()[-2000:]}")
                return done >= videos

            wait(finished, 300, "every video archived", interval=0.25)
            [(first, last, archived, failed)] = conn.execute(
                "SELECT min(created_at), max(coalesce(archived_at, updated_at)),"
                " count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed')"
                " FROM videos_video"
            )
        cpu_after = studio.cpu_seconds()
        seconds = (last - first).total_seconds()
        result.update(
            seconds=seconds, archived=archived, failed=failed, jobs_per_s=archived / seconds,
            cpu={k: round(cpu_after.get(k, 0) - cpu_before.get(k, 0), 1) for k in cpu_after},
        )  # fmt: skip
    finally:
        studio.stop()
        psql(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", str(data)])
    return result


def raw_rate(sim_url: str, videos: int, at_once: int = sum(CAPS.values())) -> dict:
    """The same calls as the studio makes for a video, made directly with the studio's client: create, retrieve
    until completed (every 0.25 s, the studio's POLL_MIN_SECONDS here), 3 downloads thrown away."""
    from videos.sora.client import SoraClient

    class Sink:
        def write(self, data: bytes) -> int:
            return len(data)

    client = SoraClient(api_key=SIM_KEY, base_url=sim_url, max_retries=2)
    todo = list(range(videos))
    lock = threading.Lock()
    calls = [0]

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            job = client.create(prompt="a kite over the bay", model="sora-2", size="1280x720", seconds=4)
            n = 1
            while job.status not in ("completed", "failed"):
                time.sleep(0.25)
                job = client.retrieve(job.id)
                n += 1
            for variant in ("video", "thumbnail", "spritesheet"):
                client.download(job.id, Sink(), variant=variant)
            with lock:
                calls[0] += n + 3

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(at_once)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    return {"seconds": seconds, "jobs_per_s": videos / seconds, "calls": calls[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="30 videos per run")
    parser.add_argument("--videos", type=int)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    videos = args.videos or (30 if args.quick else 60)
    counts = [int(n) for n in args.workers.split(",")]
    base = os.environ.get("BENCH_THROUGHPUT_URL", "postgres://postgres@127.0.0.1:5432/sora_benchhelper")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    folder = Path(tempfile.mkdtemp(prefix="studio-throughput-"))
    os.environ.setdefault("DATA_DIR", str(folder / "client"))
    import django

    django.setup()

    name = urlparse(base).path.lstrip("/")
    psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(base, f'CREATE DATABASE "{name}"')
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "REDIS_URL"))},
           "DATABASE_URL": base, "DATA_DIR": str(folder / "migrate")}  # fmt: skip
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    results = []
    try:
        for n in counts:
            try:
                results.append(one_run(n, videos, base, redis_url, folder, raw=True))
            except Exception as exc:  # numbers only: a run that went wrong is reported, not raised
                results.append({"workers": n, "error": str(exc).strip().splitlines()[-1][:200]})
            print(f"  throughput: {n} worker(s) done", file=sys.stderr)
    finally:
        subprocess.run(["rm", "-rf", str(folder)])

    one = next((r for r in results if r.get("workers") == 1 and "jobs_per_s" in r), None)
    lines = [
        f"### Throughput, submit -> archived at zero render time ({videos} videos per run, caps: simulator "
        f"{CAPS['simulator']}, sim-b {CAPS['sim-b']}; PostgreSQL + Redis, local storage)",
        "",
        "| workers (Q_WORKERS of one qcluster) | jobs/s | seconds | archived / failed | vs 1 worker | the simulator's"
        f" raw rate just before (the client directly, {sum(CAPS.values())} at a time) | ratio to it |"
        " CPU s: web / cluster |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['workers']} | — | — | — | — | — | — | error: {r['error']} |")
            continue
        vs_one = f"{r['jobs_per_s'] / one['jobs_per_s']:.2f}x" if one else "—"
        raw = r.get("raw")
        lines.append(
            f"| {r['workers']} | {r['jobs_per_s']:.2f} | {r['seconds']:.1f} s | {r['archived']} / {r['failed']} |"
            f" {vs_one} | {raw['jobs_per_s']:.2f} jobs/s ({raw['seconds']:.1f} s) |"
            f" {r['jobs_per_s'] / raw['jobs_per_s']:.2f}x | {r['cpu'].get('web', 0):.0f} / {r['cpu'].get('worker', 0):.0f} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
