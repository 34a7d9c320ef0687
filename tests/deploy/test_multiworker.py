"""Several workers on several machines (#11): two `manage.py qcluster` processes, each with a data folder of its own
(as on two machines), on Redis + PostgreSQL; the web server (gunicorn, deploy/gunicorn.conf.py) serving the studio
and its simulator; storage on a real S3 server (SeaweedFS, tests/deploy/s3server.py). 100 videos go through the
simulator into the bucket on two providers with in-flight caps of their own; one worker is SIGKILLed (its whole
process group, as when its machine dies) once 40 videos are done.

It asserts that
- the in-flight count of each provider, sampled every 100 ms throughout (studio side and simulator side), never
  exceeds the provider's cap;
- every video is archived exactly once: one object in the bucket per asset and no other object, each object's
  SHA-256 the one recorded and the one of the MP4 the simulator made, one upstream job per video, no stray job;
- the quota ledger equals the outcome (one settled charge per video, usage = settled spend, nothing reserved);
- the jobs the dead worker held moved on again within 30 s of the kill (a correctness bound from the issue).

It runs in both CI runs: the machine always has PostgreSQL and Redis (CI starts them), so even the SQLite run uses
them. The test makes its own database on the local PostgreSQL server (the one DATABASE_URL names when it is a
PostgreSQL URL, else postgres://postgres@127.0.0.1:5432; TEST_POSTGRES_URL overrides both) and drops it after;
Redis is a private redis-server on a free port, so no other test's queue is touched.

Its numbers (videos, workers, most in flight per provider against the cap, recovery seconds, wall time, jobs/s, CPU
seconds per process group) are printed as one line starting "multiworker:" (see them with `pytest -rP` or `-s`) and
written to test-results/scale/multiworker.json (or SCALE_REPORT_DIR).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import wait_for
from tests.deploy.s3server import free_ports
from tests.deploy.startup import ROOT, clean_env

VIDEOS = 100
CLUSTERS = 2
WORKERS_PER_CLUSTER = 2
CAPS = {"simulator": 4, "sim-b": 3}
KILL_AFTER = 40  # completed videos before one worker is SIGKILLed
RECOVERY_BOUND = 30.0  # seconds (the bound)
SAMPLE_EVERY = 0.1
IN_FLIGHT = ("submitting", "queued", "in_progress")
TRACKED = (*IN_FLIGHT, "archiving")
SIM_KEY = "sk-sim-scale-" + uuid.uuid4().hex
B_KEY = "sk-b-scale-" + uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: a PostgreSQL database and a bucket of this test's own
# ---------------------------------------------------------------------------------------------------------------
def _postgres_server_url() -> str:
    if os.environ.get("TEST_POSTGRES_URL"):
        return os.environ["TEST_POSTGRES_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if urlparse(url).scheme in ("postgres", "postgresql"):
        return urlparse(url)._replace(path="/postgres").geturl()
    return "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url():
    import psycopg

    server = _postgres_server_url()
    name = f"sora_scale_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"this test needs the local PostgreSQL server ({urlparse(server).hostname}): {exc}")
    try:
        yield urlparse(server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bucket(s3_server):
    name = f"scale-{uuid.uuid4().hex[:12]}"
    client = s3_server.client()
    client.create_bucket(Bucket=name)
    yield name
    for key in _keys(s3_server, name):
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)


def _keys(s3_server, bucket: str) -> list[str]:
    keys, token = [], None
    client = s3_server.client()
    while True:
        page = client.list_objects_v2(Bucket=bucket, **({"ContinuationToken": token} if token else {}))
        keys += [o["Key"] for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return sorted(keys)
        token = page["NextContinuationToken"]


# ---------------------------------------------------------------------------------------------------------------
# The studio's processes
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Studio:
    folder: Path
    env: dict[str, str]
    url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    killed: set[str] = field(default_factory=set)

    def environ(self, machine: str) -> dict[str, str]:
        """The environment of one machine: the shared settings, its own data folder."""
        return clean_env(self.folder, **{**self.env, "DATA_DIR": str(self.folder / machine)})

    def run(self, code: str, timeout: float = 300) -> dict:
        """Run `code` (after django.setup()) as a separate process of the studio; its last line is JSON."""
        run = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=self.environ("admin"),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-4000:]
        return json.loads(run.stdout.strip().splitlines()[-1])

    def manage(self, *args: str, timeout: float = 300) -> None:
        run = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.environ("admin"), capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-4000:]

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.environ(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group (the cluster's sentinel, pusher, monitor and workers): a dead machine."""
        process = self.processes[name]
        self.killed.add(name)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(30)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each process group, children included (from /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        groups = {process.pid: name for name, process in self.processes.items()}
        used = dict.fromkeys(self.processes, 0.0)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            name = groups.get(int(fields[2]))  # the process group
            if name is not None:
                used[name] += sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime
        return {name: round(seconds, 1) for name, seconds in used.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
            except ProcessLookupError:
                pass

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str, interval: float = 0.2):
    """tests.conftest.wait_for, with the timeout and the description by position."""
    return wait_for(predicate, timeout=timeout, what=what, interval=interval)


# ---------------------------------------------------------------------------------------------------------------
# Sampling: every 100 ms, what is in flight where (studio and simulator), straight from PostgreSQL
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Sample:
    at: float  # time.monotonic()
    jobs: dict[int, tuple[str, str, int]]  # video id -> (provider slug, status, progress), for TRACKED statuses
    upstream: dict[str, int]  # provider slug -> the simulator's unfinished jobs under that provider's key
    completed: int

    def in_flight(self) -> dict[str, int]:
        counts = dict.fromkeys(CAPS, 0)
        for slug, status, _ in self.jobs.values():
            if status in IN_FLIGHT:
                counts[slug] += 1
        return counts


class Sampler(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[Sample] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.provider_of_key = {
            hashlib.sha256(SIM_KEY.encode()).hexdigest(): "simulator",
            hashlib.sha256(B_KEY.encode()).hexdigest(): "sim-b",
        }

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self.stopping.is_set():
                    at = time.monotonic()
                    jobs = {
                        row[0]: (row[1], row[2], row[3])
                        for row in conn.execute(
                            "SELECT v.id, p.slug, v.status, v.progress FROM videos_video v"
                            " JOIN providers_provider p ON p.id = v.provider_id WHERE v.status = ANY(%s)",
                            [list(TRACKED)],
                        )
                    }
                    upstream = dict.fromkeys(CAPS, 0)
                    for key_hash, n in conn.execute(
                        "SELECT key_hash, count(*) FROM simulator_simvideo WHERE status IN ('queued', 'in_progress')"
                        " GROUP BY key_hash"
                    ):
                        upstream[self.provider_of_key.get(key_hash, "?")] = n
                    [(completed,)] = conn.execute("SELECT count(*) FROM videos_video WHERE status = 'completed'")
                    self.samples.append(Sample(at, jobs, upstream, completed))
                    self.stopping.wait(max(0.0, SAMPLE_EVERY - (time.monotonic() - at)))
        except BaseException as exc:  # reported by the test
            self.error = exc

    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    def recovery(self, killed_at: float) -> dict[str, float]:
        """For each job tracked at the kill ("status@progress #id"), the seconds until it moved on: its status or
        progress changed, or it was done."""
        before = [s for s in self.samples if s.at <= killed_at]
        if not before:
            return {}
        waiting = dict(before[-1].jobs)
        moved = {}
        for sample in self.samples:
            if sample.at <= killed_at:
                continue
            for video_id, state in list(waiting.items()):
                if sample.jobs.get(video_id) != state:
                    moved[f"{state[1]}@{state[2]} #{video_id}"] = round(sample.at - killed_at, 2)
                    del waiting[video_id]
            if not waiting:
                return moved
        raise AssertionError(f"jobs that never moved on after the kill: {sorted(waiting.items())}")


# ---------------------------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------------------------
def test_two_clusters_archive_100_videos_into_s3_under_the_caps_and_survive_a_killed_worker(
    tmp_path, postgres_url, private_redis_url, s3_server, bucket
):
    [port] = free_ports(1)
    url = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": postgres_url, "REDIS_URL": private_redis_url, **s3_server.env(bucket=bucket),
        "SECRET_KEY": "scale-test-" + uuid.uuid4().hex * 2, "SITE_URL": url, "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SIMULATOR_API_KEY": SIM_KEY, "PROVIDER_SIMB_KEY": B_KEY, "SORA_SIMULATOR": "true",
        # Short renders of small files, polled often: the run is about the workers, not the renders.
        "SIM_RENDER_SECONDS": "1.5", "SIM_FPS": "1", "POLL_MIN_SECONDS": "0.25", "POLL_MAX_SECONDS": "1",
        "Q_WORKERS": str(WORKERS_PER_CLUSTER), "LOG_LEVEL": "INFO", "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8",
    }  # fmt: skip
    studio = Studio(folder=tmp_path, env=env, url=url)
    sampler = Sampler(postgres_url)
    try:
        studio.manage("migrate", "--noinput")
        studio.run(f"from tests.deploy import scale_script as s; s.setup({CAPS!r}, {url + '/sim/v1'!r})")
        # No worker restarts mid-run (max_requests would recycle the process that renders the simulator's jobs).
        studio.start("web", [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                             "--max-requests", "0", "config.wsgi:application"])  # fmt: skip
        _wait(lambda: _answers(f"{url}/healthz/"), 90, f"the web server\n{studio.log('web')}")
        for n in range(1, CLUSTERS + 1):
            studio.start(f"worker{n}", [sys.executable, "manage.py", "qcluster"])
        sampler.start()
        _wait(lambda: sampler.samples, 10, "the first sample")

        started = time.monotonic()
        studio.run(f"from tests.deploy import scale_script as s; s.submit({VIDEOS})")

        def done(at_least: int):
            def check():
                assert sampler.error is None, sampler.error
                for name, process in studio.processes.items():
                    if name not in studio.killed:
                        assert process.poll() is None, f"{name} exited:\n{studio.log(name)}"
                latest = sampler.latest()
                return latest is not None and latest.completed >= at_least

            return check

        _wait(done(KILL_AFTER), 600, f"{KILL_AFTER} videos to complete")
        victim = f"worker{CLUSTERS}"
        killed_at = time.monotonic()
        studio.kill(victim)
        _wait(done(VIDEOS), 900, f"all {VIDEOS} videos to complete (worker1:\n{studio.log('worker1')})")
        wall = time.monotonic() - started
        cpu = studio.cpu_seconds()
    finally:
        sampler.stopping.set()
        sampler.join(10)
        studio.stop()

    assert sampler.error is None, sampler.error
    samples = sampler.samples
    gaps = [b.at - a.at for a, b in zip(samples, samples[1:])]
    assert max(gaps) < 5.0, max(gaps)  # sampled throughout (a stalled sampler would prove nothing)
    most = {slug: max(s.in_flight()[slug] for s in samples) for slug in CAPS}
    most_upstream = {slug: max(s.upstream[slug] for s in samples) for slug in CAPS}
    moved_on = sampler.recovery(killed_at)
    recovery, tracked_at_kill = max(moved_on.values(), default=0.0), len(moved_on)
    timeline = [(round(s.at - started), s.completed) for s in samples[:: int(5 / SAMPLE_EVERY)] if s.at >= started]
    first_done_after = next((s.at - killed_at for s in samples if s.at > killed_at and s.completed > KILL_AFTER), None)

    account = studio.run("from tests.deploy import scale_script as s; s.account()")
    numbers = {
        "videos": VIDEOS, "clusters": CLUSTERS, "workers_per_cluster": WORKERS_PER_CLUSTER,
        "max_in_flight": most, "max_upstream_in_flight": most_upstream, "caps": CAPS,
        "samples": len(samples), "max_sample_gap_s": round(max(gaps), 3),
        "tracked_at_kill": tracked_at_kill, "recovery_s": round(recovery, 2),
        "first_completion_after_kill_s": None if first_done_after is None else round(first_done_after, 2),
        "wall_s": round(wall, 1), "jobs_per_s": round(VIDEOS / wall, 2),
        "attempts": sum(v["attempts"] for v in account["videos"]), "sim_jobs": account["sim_jobs"],
        "cpu_s": cpu, "killed_after_s": round(killed_at - started, 1), "moved_on_after_kill": moved_on, "timeline": timeline,
    }  # fmt: skip
    print("multiworker:", json.dumps(numbers))
    report = Path(os.environ.get("SCALE_REPORT_DIR") or ROOT / "test-results" / "scale")
    report.mkdir(parents=True, exist_ok=True)
    (report / "multiworker.json").write_text(json.dumps(numbers, indent=2) + "\n")

    # Every video made and archived, once.
    assert account["failures"] == [] and account["statuses"] == {"completed": VIDEOS}, account["statuses"]
    assert account["failed_tasks"] == []
    # The caps held throughout, on the studio's side and on the simulator's.
    for slug, cap in CAPS.items():
        assert 0 < most[slug] <= cap, (slug, most, CAPS)
        assert most_upstream[slug] <= cap, (slug, most_upstream, CAPS)
    # One upstream job per video, and none that no video knows.
    assert account["sim_jobs"] == VIDEOS and account["orphan_jobs"] == []
    assert all(u["jobs"] == 1 for u in account["upstream"].values())
    assert sorted(account["sim_jobs_per_key"]) == sorted([VIDEOS // 2, VIDEOS - VIDEOS // 2])
    # One object per asset in the bucket, nothing else, each with the recorded checksum; the MP4 is the simulator's.
    assets = account["assets"]
    assert len(assets) == 3 * VIDEOS and set(account["assets_per_video"].values()) == {3}
    assert sorted(a["name"] for a in assets) == _keys(s3_server, bucket)
    assert s3_server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) in ([], None)
    for asset in assets:
        assert asset["stored_sha256"] == asset["sha256"] and asset["stored_bytes"] == asset["bytes"], asset
        if asset["kind"] == "video":
            assert asset["sha256"] == account["upstream"][str(asset["video"])]["mp4_sha256"], asset
    # The quota ledger equals the outcome.
    charges = account["charges"]
    assert sorted(state for _, state, _ in charges) == ["settled"] * VIDEOS and all(n == 1 for *_, n in charges)
    usage = {str(u["user"]): u for u in account["usage"]}
    assert set(usage) == set(account["expected_usage"])
    for user, expected in account["expected_usage"].items():
        assert usage[user]["videos"] == expected["videos"] and usage[user]["settled"] == expected["settled"], user
        assert usage[user]["reserved"] == 0
    # The dead worker's jobs moved on within the bound.
    assert tracked_at_kill > 0
    assert recovery <= RECOVERY_BOUND, numbers
