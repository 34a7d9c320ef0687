"""Run the whole studio from one terminal: web server (with the simulator) and a django-q2 worker cluster.

Prepares first: migrations, static files, the first administrator, the polling schedule. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Set up and run Sora Studio: web server + django-q2 worker (+ the simulator when no API key is set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("ensure_admin", stdout=self.stdout)
        call_command("setup_schedules", verbosity=0)

        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
        env = dict(os.environ)
        # The simulator is reached through this same server, so the client's default base URL must match it.
        env.setdefault("SITE_URL", url)
        python, manage = sys.executable, str(settings.BASE_DIR / "manage.py")
        web_cmd = [
            os.path.join(os.path.dirname(python), "gunicorn"), "config.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
            "--timeout", "120", "--access-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        procs = {
            # Own sessions: a Ctrl-C reaches only this process, which then stops each child exactly once
            # (a second signal while qcluster is stopping can leave it hanging).
            "web": subprocess.Popen(web_cmd, env=env, cwd=settings.BASE_DIR, start_new_session=True),
            "worker": subprocess.Popen(
                [python, manage, "qcluster"], env=env, cwd=settings.BASE_DIR, start_new_session=True
            ),
        }
        from providers.models import Provider

        made_by = [
            f"{p.name} ({'at ' + url + '/sim/v1' if p.is_simulator and not settings.SIMULATOR_BASE_URL else p.effective_base_url})"
            for p in Provider.objects.filter(is_active=True)
        ]
        self.stdout.write(self.style.SUCCESS(f"\nSora Studio is running at {url}/"))
        self.stdout.write(f"Videos are made by: {'; '.join(made_by) or 'no provider (switch one on in the admin)'}.")
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.\n")

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"The {name} process exited with code {proc.returncode}; stopping the studio.")
                        stopping = True
                time.sleep(0.5)
        finally:
            stop_process_groups(list(procs.values()))
            self.stdout.write("Stopped.")


STOP_GRACE_SECONDS = 15


def stop_process_groups(procs: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop each child and its whole process group (gunicorn's and qcluster's own workers, not just the leader).

    SIGTERM goes to a live leader only: gunicorn and qcluster then stop their workers gracefully (qcluster's stop
    handshake never finishes if its sentinel is signalled too, so a group SIGTERM would cost the whole grace period).
    A group whose leader is gone gets the SIGTERM itself. After `grace` seconds, whatever is left of any group (a
    worker busy with a long task, an orphan) gets SIGKILL."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        else:
            _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for proc in procs:
            proc.poll()  # reap an exited leader: a zombie would still count as a member of its group
        if not any(_group_alive(proc.pid) for proc in procs):
            return
        time.sleep(0.2)
    for proc in procs:
        _signal_group(proc.pid, signal.SIGKILL)
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)  # start_new_session=True: the child's pid is its group's id
    except ProcessLookupError:
        pass  # the whole group has already gone


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

