"""deploy/: the systemd units are valid (systemd-analyze verify), and their very commands, and the Procfile's, run the
studio as a service with the documented production environment (deploy/studio.env.example) on S3 (a real SeaweedFS)
and Redis: the setup oneshot migrates, the web server answers /healthz/ and serves a video made by the worker from
the bucket, and both stop cleanly on SIGTERM. A web server whose start-up checks fail refuses to start."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.deploy.s3server import free_ports
from tests.deploy.startup import DEPLOY, ROOT, production_env

UNITS = ["sora-studio-setup.service", "sora-studio-web.service", "sora-studio-worker.service", "sora-studio.target"]
VENV_BIN = Path(sys.executable).parent


def unit(name: str) -> dict[str, list[str]]:
    """The [Service] (or [Unit]) keys of a unit file, each with every value it is given, in order."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value)
    return keys


def here(command: str) -> list[str]:
    """A unit's command as it runs in this checkout: /opt/sora-studio is this folder, its venv this interpreter's."""
    args = shlex.split(command)
    program = args[0].replace("/opt/sora-studio/.venv/bin/", f"{VENV_BIN}/")
    if Path(program).name == "python":
        program = sys.executable
    return [program, *args[1:]]


def test_the_units_are_valid_systemd_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed to verify the units (Debian: apt-get install systemd)"
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/opt/sora-studio/.venv/bin/", f"{VENV_BIN}/").replace("/opt/sora-studio", str(ROOT))
        text = text.replace("/etc/sora-studio/studio.env", str(tmp_path / "studio.env"))
        (tmp_path / name).write_text(text)
    (tmp_path / "studio.env").write_text("")

    run = subprocess.run([analyze, "verify", "--man=no", *[str(tmp_path / n) for n in UNITS]],
                         capture_output=True, text=True, timeout=60)  # fmt: skip

    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr


def test_the_units_stop_the_worker_gracefully_and_load_secrets_as_credentials():
    worker, web, setup = unit("sora-studio-worker.service"), unit("sora-studio-web.service"), unit("sora-studio-setup.service")
    # SIGTERM to qcluster's main process only (tests/deploy/test_graceful_shutdown.py shows why), for longer than
    # a task may run (Q_CLUSTER timeout).
    from django.conf import settings

    assert worker["KillMode"] == ["mixed"] and worker["KillSignal"] == ["SIGTERM"]
    assert int(worker["TimeoutStopSec"][0]) > settings.Q_CLUSTER["timeout"]
    assert worker["ExecStartPre"] == ["/opt/sora-studio/.venv/bin/python manage.py check --database default"]
    assert setup["Type"] == ["oneshot"] and [c.split("manage.py ")[1] for c in setup["ExecStart"]] == [
        "migrate --noinput", "collectstatic --noinput", "setup_schedules"]  # fmt: skip
    for keys in (worker, web, setup):
        assert "SECRET_KEY_FILE=%d/secret_key DATABASE_URL_FILE=%d/database_url" in keys["Environment"]
        assert not any(re.search(r"(SECRET_KEY|PASSWORD|DATABASE_URL)=(?!%d)", e) for e in keys["Environment"])


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 60) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited with {process.returncode}")
        try:
            return requests.get(url, timeout=15)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _stop(process: subprocess.Popen, timeout: float = 60) -> int:
    """What systemd's KillMode=mixed does: SIGTERM to the main process, SIGKILL to the rest after the timeout."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _login(session: requests.Session, base: str, username: str, password: str) -> None:
    page = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    r = session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                     "csrfmiddlewaretoken": token}, headers={"Referer": f"{base}/accounts/login/"})  # fmt: skip
    assert r.ok and "sessionid" in session.cookies, r.text[:500]


def test_the_units_commands_run_the_studio_on_s3_and_redis(tmp_path, s3_server, private_redis_url):
    [port] = free_ports(1)
    base = f"http://127.0.0.1:{port}"
    # As in production, except plain HTTP on the loopback address, which the simulator is reached through too.
    s3 = s3_server.env()
    s3_secret = s3.pop("S3_SECRET_ACCESS_KEY")
    env = production_env(
        tmp_path, **s3, REDIS_URL=private_redis_url, GUNICORN_BIND=f"127.0.0.1:{port}", SITE_URL=base,
        SECURE_SSL_REDIRECT="false", BEHIND_HTTPS_PROXY="false", SIM_RENDER_SECONDS="1", Q_WORKERS="1",
    )  # fmt: skip
    Path(env["S3_SECRET_ACCESS_KEY_FILE"]).write_text(s3_secret)  # the bucket's key, from its file as documented

    for command in unit("sora-studio-setup.service")["ExecStart"]:
        run = subprocess.run(here(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, (command, run.stderr[-2000:])
    [pre] = unit("sora-studio-worker.service")["ExecStartPre"]
    assert subprocess.run(here(pre), cwd=ROOT, env=env, capture_output=True, timeout=120).returncode == 0
    admin = subprocess.run([sys.executable, "manage.py", "ensure_admin"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    password = re.search(r"password:\s*(\S+)", admin.stdout)[1]

    logs = tmp_path / "logs"
    logs.mkdir()
    [web_cmd] = unit("sora-studio-web.service")["ExecStart"]
    [worker_cmd] = unit("sora-studio-worker.service")["ExecStart"]
    web = subprocess.Popen(here(web_cmd), cwd=ROOT, env=env, stdout=open(logs / "web", "wb"),
                           stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    worker = subprocess.Popen(here(worker_cmd), cwd=ROOT, env=env, stdout=open(logs / "worker", "wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        health = _wait_http(f"{base}/healthz/", web)
        assert health.status_code == 200, health.text
        assert {name: c["ok"] for name, c in health.json()["checks"].items()} == {
            "database": True, "broker": True, "storage": True}  # fmt: skip

        browser = requests.Session()
        _login(browser, base, "admin", password)
        project = re.search(r'href="/projects/([0-9a-f-]{36})/videos/new/"', browser.get(f"{base}/").text)
        assert project, "no new-video link on the gallery"
        form_url = f"{base}/projects/{project[1]}/videos/new/"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(form_url).text)[1]
        created = browser.post(form_url, data={"prompt": "A kite over a beach, wide shot", "model": "sora-2",
                               "size": "1280x720", "seconds": 4, "csrfmiddlewaretoken": token},
                               headers={"Referer": form_url}, allow_redirects=False)  # fmt: skip
        assert created.status_code == 302, created.text[:1000]
        video_page = base + created.headers["Location"]
        video_id = video_page.rstrip("/").rsplit("/", 1)[-1]
        asset_url = f"{base}/videos/{video_id}/files/video/"

        deadline = time.monotonic() + 120
        while browser.get(asset_url, allow_redirects=False).status_code != 302:
            assert time.monotonic() < deadline, (logs / "worker").read_text()[-3000:]
            time.sleep(0.5)
        ranged = browser.get(asset_url, headers={"Range": "bytes=0-15"})
        assert ranged.status_code == 206 and ranged.content[4:8] == b"ftyp"  # from the bucket, by range
        assert any(k.startswith("videos/") and k.endswith(".mp4") for k in s3_server.keys())
    finally:
        web_exit, worker_exit = _stop(web), _stop(worker)
    assert (web_exit, worker_exit) == (0, 0), ((logs / "web").read_text()[-2000:], (logs / "worker").read_text()[-2000:])


def test_the_web_server_refuses_to_start_when_a_check_fails(tmp_path):
    port, redis_port = free_ports(2)
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                         S3_BUCKET="", HEALTHZ_TIMEOUT="1")  # fmt: skip
    [web_cmd] = unit("sora-studio-web.service")["ExecStart"]

    run = subprocess.run(here(web_cmd), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert run.returncode != 0
    assert f"(studio.E102) REDIS_URL: cannot reach Redis at 127.0.0.1:{redis_port}" in run.stderr, run.stderr[-2000:]
    assert "the web server does not start" in run.stderr


def procfile() -> dict[str, str]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_runs_the_studio(tmp_path):
    [port] = free_ports(1)
    env = production_env(tmp_path, PORT=str(port), S3_BUCKET="", REDIS_URL="")
    env["PATH"] = f"{VENV_BIN}:{env['PATH']}"  # a platform runs the Procfile inside the app's environment
    assert set(procfile()) == {"release", "web", "worker"}

    release = subprocess.run(["sh", "-c", procfile()["release"]], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)  # fmt: skip
    assert release.returncode == 0, release.stderr[-2000:]
    web = subprocess.Popen(["sh", "-c", procfile()["web"]], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    worker = subprocess.Popen(["sh", "-c", procfile()["worker"]], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        health = _wait_http(f"http://127.0.0.1:{port}/healthz/", web)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        time.sleep(3)  # the worker's check has run and qcluster is up
        assert worker.poll() is None
    finally:
        # `exec` in the Procfile: the SIGTERM reaches gunicorn and qcluster themselves, not a shell.
        assert (_stop(web), _stop(worker)) == (0, 0)
