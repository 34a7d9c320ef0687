"""The fault suite's harness: the studio as it runs in production, in processes of its own, against the test
database, with the simulator's fault injection.

- the web server: gunicorn (deploy/gunicorn.conf.py) serving the studio and its simulator (tests/faults/wsgi.py
  adds a record of every upstream request and injected fault), so it can be SIGKILLed and restarted;
- workers: `manage.py qcluster` processes on the broker the settings choose (the ORM broker on the test database,
  or Redis: a redis-server of this test run's own, so parallel runs never take each other's tasks);
- this test process submits through the services (their tasks go onto that same broker), injects faults, waits
  for the end state and checks it (`Run.verify`): nothing lost, nothing duplicated upstream, every archived
  checksum right, no file in storage that no asset names, the quota ledger equal to the outcomes, every failure
  logged with its reason. Each scenario records its numbers (tests/faults/recorder.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

from tests.conftest import wait_for
from tests.faults import recorder

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "A lighthouse keeper climbs the stairs at dusk, handheld, shot {}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database, as the studio's processes reach it (DATABASE_URL)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def database_label() -> str:
    engine = "postgresql" if connection.vendor == "postgresql" else connection.vendor
    broker = "redis" if settings.REDIS_URL else "orm"
    return f"{engine}+{broker}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """tests.conftest.wait_for, with the timeout and the description by position."""
    return wait_for(predicate, timeout=timeout, what=what, interval=interval)


@dataclass
class Run:
    """One scenario's studio: its processes, its videos, its numbers."""

    name: str
    tmp: Path
    env: dict[str, str]
    owner: object
    project: object
    port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    videos: list[int] = field(default_factory=list)
    faults: Counter = field(default_factory=Counter)  # faults the test caused itself (kills, terminations, locks)
    recovery: dict[str, float] = field(default_factory=dict)  # what recovered, in seconds
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    # -- processes ----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, args: list[str], log: str, extra: dict[str, str]) -> subprocess.Popen:
        out = open(self.tmp / log, "ab")
        return subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **extra}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self, **extra: str) -> subprocess.Popen:
        """gunicorn serving the studio and its simulator; returns once it answers."""
        self.web = self._spawn(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "tests.faults.wsgi:application"],
            "web.log", {"GUNICORN_BIND": f"127.0.0.1:{self.port}", **extra},
        )  # fmt: skip

        def answers() -> bool:
            if self.web.poll() is not None:
                raise AssertionError(f"the web server exited ({self.web.returncode}):\n{self.log('web.log')[-3000:]}")
            try:
                return requests.get(f"{self.url}/sim/v1/videos", timeout=2).status_code == 401
            except requests.RequestException:
                return False

        wait_until(answers, 60, "the web server to answer")
        return self.web

    def kill_web(self) -> None:
        self._kill(self.web)

    def start_worker(self, **extra: str) -> subprocess.Popen:
        """One `manage.py qcluster` (Q_WORKERS worker processes, its own pusher, monitor and scheduler)."""
        worker = self._spawn([sys.executable, "manage.py", "qcluster"], f"worker-{len(self.workers)}.log", extra)
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen) -> None:
        """SIGKILL the whole cluster (its main process and every worker process it forked)."""
        self._kill(worker)

    @staticmethod
    def _kill(process: subprocess.Popen | None) -> None:
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(30)

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            self._kill(process)

    def log(self, name: str | None = None) -> str:
        names = [name] if name else sorted(p.name for p in self.tmp.glob("*.log"))
        return "".join((self.tmp / n).read_text(errors="replace") for n in names if (self.tmp / n).exists())

    # -- work -----------------------------------------------------------------------------------------------------
    def submit(self, n: int, *, seconds: int = 4, size: str = "720x1280") -> list:
        """n videos through the service (as the create form does); each enqueues the dispatcher on the broker."""
        from accounts.actors import Actor
        from videos import services

        made = []
        for _ in range(n):
            video = services.video_submit(
                actor=Actor.of_user(self.owner), project=self.project, prompt=PROMPT.format(len(self.videos) + 1),
                model="sora-2", size=size, seconds=seconds,
            )  # fmt: skip
            self.videos.append(video.id)
            made.append(video)
        return made

    def rows(self):
        from videos.models import Video

        return list(Video.objects.filter(id__in=self.videos).order_by("id"))

    def wait_done(self, timeout: float = 120) -> list:
        """Wait until every video of the run has an end (completed, failed, cancelled); returns the rows (with any
        still unfinished at the timeout: those count as lost, and verify() fails on them)."""
        from videos.models import Video

        ends = (Video.Status.COMPLETED, Video.Status.FAILED, Video.Status.CANCELLED)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Video.objects.filter(id__in=self.videos).exclude(status__in=ends).exists():
                break
            for process in [self.web, *self.workers]:
                if process is not None and process.returncode is None and process.poll() is not None:
                    raise AssertionError(f"a studio process exited ({process.args}):\n{self.log()[-4000:]}")
            time.sleep(0.2)
        return self.rows()

    # -- what the upstream saw ----------------------------------------------------------------------------------------
    def upstream(self) -> tuple[list[dict], Counter]:
        """(every request the simulator answered, the faults it injected by kind)."""
        path = Path(self.env["FAULTS_UPSTREAM_LOG"])
        lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [r for r in lines if "request" in r], Counter(r["fault"] for r in lines if "fault" in r)

    # -- the end state ----------------------------------------------------------------------------------------------
    def verify(self, *, failures: Callable[[object], bool] = lambda v: False, recovery: float | None = None) -> dict:
        """Check the end state and record the scenario's numbers (recorded first, so a failing run is reported too).
        `failures(video)`: whether this video may end failed (with a reason); any other failure is an error."""
        from quotas.models import QuotaCharge, QuotaUsage
        from videos.models import Video

        Status = Video.Status
        rows = self.rows()
        requests_seen, injected = self.upstream()
        injected.update(self.faults)
        lost = [v for v in rows if v.status not in (Status.COMPLETED, Status.FAILED, Status.CANCELLED)]
        completed = [v for v in rows if v.status == Status.COMPLETED]
        failed = [v for v in rows if v.status == Status.FAILED]
        creates = [r for r in requests_seen if r["request"] == "POST" and r["path"] == "/sim/v1/videos"]
        made_upstream = sum(1 for r in creates if r["status"] == 200)
        owned_upstream = Video.objects.filter(id__in=self.videos, upstream_id__isnull=False).count()
        problems = []

        # Every archived file is whole: its stored bytes hash to the recorded checksum, which is the upstream's.
        from videos.sora.simulator.models import SimVideo

        bad_checksums = []
        for video in completed:
            assets = video.asset_map
            missing = [k for k in ("video", "thumbnail", "spritesheet") if k not in assets]
            if missing:
                problems.append(f"video {video.id} completed without its {', '.join(missing)}")
                continue
            mp4 = assets["video"]
            stored = sha256_of(Path(mp4.file.path))
            job = SimVideo.objects.filter(id=video.upstream_id).first()
            upstream_file = Path(job.media_dir) / "video.mp4" if job else None
            upstream_sum = sha256_of(upstream_file) if upstream_file and upstream_file.exists() else mp4.sha256
            if not (stored == mp4.sha256 == upstream_sum and mp4.bytes == Path(mp4.file.path).stat().st_size):
                bad_checksums.append(video.id)
        if bad_checksums:
            problems.append(f"archived checksums wrong: {bad_checksums}")

        # A failure says why, is logged with its reason, and keeps no file.
        log = self.log()
        for video in failed:
            if not (video.error_code and video.error_message):
                problems.append(f"video {video.id} failed without a reason")
            if f"video {video.public_id} failed" not in log:
                problems.append(f"video {video.id}'s failure ({video.error_code}) was not logged")
            if any(a.kind != "reference" for a in video.assets.all()):
                problems.append(f"video {video.id} failed but keeps files")
            if not failures(video):
                problems.append(f"video {video.id} failed unexpectedly: {video.error_code} {video.error_message}")

        # Storage holds exactly the assets' files: nothing half-saved or hidden behind a failure.
        from assets.models import Asset

        media = Path(settings.MEDIA_ROOT)
        on_disk = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
        named = set(Asset.objects.values_list("file", flat=True))
        if on_disk != named:
            problems.append(f"storage and assets differ: files without asset {sorted(on_disk - named)[:5]}, "
                            f"assets without file {sorted(named - on_disk)[:5]}")  # fmt: skip

        # The quota ledger equals the outcomes: completed videos settled, failed or cancelled ones refunded.
        charges = {c.item_id: c for c in QuotaCharge.objects.filter(item_type="videos.video", item_id__in=self.videos)}
        ledger_wrong = []
        for video in rows:
            charge = charges.get(video.id)
            want = {Status.COMPLETED: "settled", Status.FAILED: "refunded", Status.CANCELLED: "refunded"}.get(
                video.status, "reserved"
            )
            if charge is None or charge.state != want:
                ledger_wrong.append((video.id, video.status, charge and charge.state))
        for usage in QuotaUsage.objects.all():
            states = Counter(c.state for c in usage.charges.all())
            settled = sum(c.cost_micros for c in usage.charges.filter(state="settled"))
            reserved = sum(c.cost_micros for c in usage.charges.filter(state="reserved"))
            if (usage.videos, usage.spend_settled_micros, usage.spend_reserved_micros) != (
                states["settled"] + states["reserved"],
                settled,
                reserved,
            ):
                ledger_wrong.append(("usage", usage.videos, usage.spend_settled_micros, usage.spend_reserved_micros))
        if ledger_wrong:
            problems.append(f"quota ledger differs from the outcomes: {ledger_wrong[:5]}")

        duplicated = made_upstream - owned_upstream
        result = {
            "scenario": self.name,
            "database": database_label(),
            "videos": len(rows),
            "faults": dict(sorted(injected.items())),
            "archived": len(completed),
            "failed": dict(Counter(v.error_code for v in failed)),
            "lost": len(lost),
            "duplicated": duplicated,
            "checksums_wrong": len(bad_checksums),
            "upstream_calls": len(requests_seen),
            "calls_per_video": round(len(requests_seen) / max(1, len(rows)), 1),
            "recovery_s": round(recovery, 1) if recovery is not None else None,
            "recovery": {k: round(v, 1) for k, v in self.recovery.items()},
            "wall_s": round(time.monotonic() - self.started, 1),
            "notes": self.notes,
        }
        recorder.record(result)
        if lost:
            problems.append(f"lost (never finished): {[(v.id, v.status, v.error_message) for v in lost]}")
        if duplicated:
            problems.append(f"{duplicated} upstream jobs made that no video owns (duplicates)")
        assert not problems, "\n".join(problems) + "\n--- logs ---\n" + log[-6000:]
        return result
