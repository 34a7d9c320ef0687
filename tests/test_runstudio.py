"""`manage.py runstudio`: Ctrl-C stops the web server and the worker cluster, children and all, within seconds.

Starts the real thing (gunicorn + qcluster on SQLite in a temporary DATA_DIR): about 5-10 s.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> list[tuple[int, int, int, str]]:
    """(pid, ppid, pgid, state) of every process, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # gone meanwhile
            state, ppid, pgid = stat.rsplit(")", 1)[1].split()[:3]
            out.append((int(entry), int(ppid), int(pgid), state))
    return out


def _members(pgids: set[int]) -> list[int]:
    """Live (not zombie) processes in these groups."""
    return [pid for pid, _, pgid, state in _processes() if pgid in pgids and state != "Z"]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_ctrl_c_stops_every_process_of_the_web_server_and_the_worker(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path), SITE_URL=f"http://127.0.0.1:{port}",
               WEB_WORKERS="2", ADMIN_PASSWORD="x-test-only-x")  # fmt: skip
    studio = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "runstudio", "--port", str(port)],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    groups: set[int] = set()
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/healthz/"), timeout=60, what="the web server")

        def both_groups_have_children() -> bool:
            groups.update(pgid for _, ppid, pgid, _ in _processes() if ppid == studio.pid)
            return len(groups) == 2 and all(len(_members({g})) > 1 for g in groups)

        wait_for(both_groups_have_children, timeout=30, what="gunicorn's and qcluster's workers")
        # A worker busy with a long task: qcluster's graceful stop waits for it, so only a SIGKILL of the whole
        # group after the grace period ends it (killing just the leader left the workers running for minutes).
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        subprocess.run([*manage, "shell", "-c", "from django_q.tasks import async_task; async_task('time.sleep', 300)"],
                       cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, timeout=60)  # fmt: skip
        time.sleep(3)  # picked up (the ORM broker is polled every 0.2 s)

        started = time.monotonic()
        studio.send_signal(signal.SIGINT)
        studio.wait(timeout=25)

        assert time.monotonic() - started < 25  # 15 s grace, then SIGKILL
        assert _members(groups) == []
    finally:
        if studio.poll() is None:
            studio.kill()
        for pgid in groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
