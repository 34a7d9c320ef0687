"""Peak memory of a web process while it checks reference-image uploads (the create form).

Starts the studio's own web server (gunicorn, one worker with 4 threads as `./studio start` runs each of its
workers) on 127.0.0.1 with a throw-away DATA_DIR, signs a fresh user up, then for each scenario posts uploads to
the create form (N at once for a burst) and prints the worker's resident memory before and its high-water mark
(VmHWM in /proc/<pid>/status) after. Each scenario gets a fresh server, so one high-water mark never hides another.

    .venv/bin/python bench/upload_memory.py                 # every scenario
    .venv/bin/python bench/upload_memory.py --only burst    # scenarios whose name contains "burst"

It prints numbers and asserts nothing: memory depends on the machine and on Pillow's build. The traffic goes to
127.0.0.1 only, and every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
PASSWORD = "a long bench password 42"
MB = 1024 * 1024


# --- images (made once, kept in the cache folder) ----------------------------------------------------------------


def _gradient(size: tuple[int, int]) -> Image.Image:
    """A smooth RGB picture: compresses very well (a 40 Mpx PNG of a few hundred KB), decodes at full size."""
    w, h = size
    red = Image.linear_gradient("L").resize((w, h))
    green = red.transpose(Image.Transpose.ROTATE_90).resize((w, h))
    blue = Image.new("L", (w, h), 90)
    return Image.merge("RGB", (red, green, blue))


def make_images(cache: Path) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    specs = {
        "png-6320x6320": ("PNG", (6320, 6320), {}),
        "jpeg-7744x5164": ("JPEG", (7744, 5164), {"quality": 85}),
        "jpeg-progressive-7744x5164": ("JPEG", (7744, 5164), {"quality": 85, "progressive": True}),
        "webp-6320x6320": ("WEBP", (6320, 6320), {"quality": 80, "method": 0}),
        "png-1920x1080": ("PNG", (1920, 1080), {}),
        "png-6400x4400": ("PNG", (6400, 4400), {}),
        "jpeg-progressive-6400x4400": ("JPEG", (6400, 4400), {"quality": 85, "progressive": True}),
        "webp-3840x2160": ("WEBP", (3840, 2160), {"quality": 80, "method": 0}),
    }
    paths = {}
    for name, (fmt, size, options) in specs.items():
        path = cache / f"{name}.{fmt.lower()}"
        if not path.exists():
            _gradient(size).save(path, format=fmt, **options)
        paths[name] = path
    return paths


# --- the server ----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, and the bytes it has written (wchar: files and sockets), in bytes."""
    out = {"wchar": int(re.search(r"^wchar: (\d+)", Path(f"/proc/{pid}/io").read_text(), re.M).group(1))}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


class Server:
    """The studio under gunicorn on a free local port, with its own DATA_DIR (SQLite)."""

    def __init__(self, data_dir: Path, threads: int, extra_env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DATA_DIR": str(data_dir),
            "SITE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOGIN_FAILURE_LIMIT": "1000",
            **extra_env,
        }
        self.log = open(data_dir / "server.log", "w")  # noqa: SIM115 (closed in stop)
        for command in (["migrate"], ["collectstatic", "--noinput"]):
            subprocess.run(
                [PYTHON, "manage.py", *command, "-v", "0"], cwd=ROOT, env=self.env, check=True, stderr=self.log
            )
        self.proc = subprocess.Popen(
            [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", str(threads), "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{self.url}/healthz/", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.5)

    @property
    def worker(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def sign_up(server: Server, username: str) -> tuple[requests.Session, str]:
    """A fresh sign-up (it gets a personal project); returns its session and the project's create-form URL."""
    session = requests.Session()
    signup = f"{server.url}/accounts/signup/"
    data = {"username": username, "email": f"{username}@example.com", "password1": PASSWORD, "password2": PASSWORD,
            "csrfmiddlewaretoken": _token(session, signup)}  # fmt: skip
    r = session.post(signup, data=data, headers={"Referer": signup}, timeout=30)
    r.raise_for_status()
    projects = session.get(f"{server.url}/accounts/projects/", timeout=30).text
    public_id = re.search(r"/accounts/projects/([0-9a-f-]{36})/", projects).group(1)
    return session, f"{server.url}/projects/{public_id}/videos/new/"


@dataclass
class Result:
    status: int
    seconds: float
    note: str


def post_upload(session: requests.Session, create_url: str, name: str, content: bytes, scenario: Scenario) -> Result:
    size, model = scenario.size, scenario.model
    data = {
        "prompt": "Wide shot of a red kite over a park at golden hour",
        "model": model,
        "size": size,
        "seconds": "4",
        "input_fit": "cover",
        "csrfmiddlewaretoken": _token(session, create_url),
    }
    started = time.monotonic()
    r = session.post(create_url, data=data, files={"input_reference": (name, content)},
                     headers={"Referer": create_url}, timeout=300, allow_redirects=False)  # fmt: skip
    elapsed = time.monotonic() - started
    note = "accepted" if r.status_code == 302 else ""
    if r.status_code == 400:
        found = re.search(r'<small class="error">([^<]+)', r.text) or re.search(r'role="alert"><div>([^<]+)', r.text)
        note = " ".join(found.group(1).split()) if found else "refused"
    return Result(r.status_code, elapsed, note[:110])


# --- scenarios -----------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    image: str  # a key of make_images, or "random-60MB"
    count: int  # uploads posted at once
    size: str = "1280x720"
    model: str = "simulator:sora-2"


SCENARIOS = [
    Scenario("one small PNG 1920x1080", "png-1920x1080", 1),
    Scenario("one PNG 6320x6320 (40 Mpx)", "png-6320x6320", 1),
    Scenario("one baseline JPEG 7744x5164 (40 Mpx)", "jpeg-7744x5164", 1),
    Scenario("one progressive JPEG 7744x5164 (40 Mpx)", "jpeg-progressive-7744x5164", 1),
    Scenario("one WebP 6320x6320 (40 Mpx)", "webp-6320x6320", 1),
    Scenario("one 60 MB upload (not an image)", "random-60MB", 1),
    Scenario("one 300 MB upload (not an image)", "random-300MB", 1),
    Scenario("burst: 8 PNG 6320x6320 at once", "png-6320x6320", 8, "1792x1024", "simulator:sora-2-pro"),
    Scenario(
        "burst: 8 progressive JPEG 7744x5164 at once",
        "jpeg-progressive-7744x5164",
        8,
        "1792x1024",
        "simulator:sora-2-pro",
    ),
    Scenario("burst: 8 WebP 6320x6320 at once", "webp-6320x6320", 8, "1792x1024", "simulator:sora-2-pro"),
    Scenario("burst: 8 baseline JPEG 7744x5164 at once", "jpeg-7744x5164", 8, "1792x1024", "simulator:sora-2-pro"),
    Scenario("burst: 8 PNG 6400x4400 (28 Mpx) at once", "png-6400x4400", 8, "1792x1024", "simulator:sora-2-pro"),
    Scenario("burst: 8 progr. JPEG 6400x4400 (28 Mpx) at once", "jpeg-progressive-6400x4400", 8, "720x1280"),
    Scenario("burst: 8 WebP 3840x2160 (4K) at once", "webp-3840x2160", 8, "1792x1024", "simulator:sora-2-pro"),
]


def run(scenario: Scenario, images: dict[str, Path], threads: int, extra_env: dict[str, str]) -> None:
    if scenario.image.startswith("random-"):
        content, filename = os.urandom(int(scenario.image.strip("random-MB")) * MB), "huge.png"
    else:
        content, filename = images[scenario.image].read_bytes(), images[scenario.image].name
    data_dir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    server = Server(data_dir, threads, extra_env)
    try:
        users = [sign_up(server, f"bench{i}") for i in range(scenario.count)]
        # Warm up: one small page per session, so imports and caches are loaded before the baseline.
        for session, url in users:
            session.get(url, timeout=30)
        worker = server.worker
        before = _status(worker)
        results: list[Result] = []
        lock = threading.Lock()
        barrier = threading.Barrier(scenario.count)

        def one(session: requests.Session, url: str) -> None:
            barrier.wait(30)
            result = post_upload(session, url, filename, content, scenario)
            with lock:
                results.append(result)

        started = time.monotonic()
        workers = [threading.Thread(target=one, args=user) for user in users]
        for t in workers:
            t.start()
        for t in workers:
            t.join(600)
        wall = time.monotonic() - started
        after = _status(worker)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    codes = ", ".join(sorted({str(r.status) for r in results}))
    notes = "; ".join(sorted({r.note for r in results if r.note}))
    print(
        f"{scenario.name:<46} file {len(content) / 1024:>8.0f} KB  rss before {before['VmRSS'] / MB:>6.0f} MB  "
        f"peak {after['VmHWM'] / MB:>6.0f} MB  (+{(after['VmHWM'] - before['VmRSS']) / MB:>5.0f})  "
        f"wrote {(after['wchar'] - before['wchar']) / MB:>5.1f} MB  {wall:>5.1f} s  HTTP {codes}  {notes}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this text")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads in the one worker (default 4)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server's environment")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "studio-bench-images"))
    args = parser.parse_args()
    images = make_images(Path(args.cache))
    print(f"Pillow {Image.__version__}, gunicorn 1 worker x {args.threads} threads; memory of that worker process")
    for scenario in SCENARIOS:
        if args.only.lower() in scenario.name.lower():
            run(scenario, images, args.threads, dict(e.split("=", 1) for e in args.env))


if __name__ == "__main__":
    main()
