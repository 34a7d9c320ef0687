"""gunicorn's settings for Sora Studio: `gunicorn --config deploy/gunicorn.conf.py config.wsgi:application`.

Before it binds its port, the web server runs the studio's start-up checks (`manage.py check --database default`:
database, task broker and storage reachable, the storage writable) and refuses to start, with the checks' message
naming the setting, when one fails. The environment (deploy/studio.env.example) is read by the settings as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A platform that gives a PORT (Procfile runners) gets every interface on it; otherwise GUNICORN_BIND, by default
# the loopback address a reverse proxy (nginx, Caddy) forwards to.
bind = f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120  # a request (an upload of a reference image, a proxied download) may take this long
graceful_timeout = 30  # on SIGTERM, requests in flight get this long to finish
keepalive = 5
max_requests = 2000  # workers are replaced now and then (memory hygiene), staggered
max_requests_jitter = 200
accesslog = "-"
logger_class = "reviews.share_logging.GunicornLogger"  # guest links' tokens are logged by their first characters only
errorlog = "-"
chdir = str(ROOT)


def on_starting(server) -> None:
    """Refuse to start when the studio could not work (STUDIO_START_CHECKS=false skips this)."""
    if os.environ.get("STUDIO_START_CHECKS", "true").strip().lower() in ("0", "false", "no", "off"):
        return
    run = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--database", "default", "--fail-level", "ERROR"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if run.returncode != 0:
        sys.stderr.write(run.stderr or run.stdout)
        sys.stderr.write("Sora Studio's start-up checks failed: the web server does not start.\n")
        sys.stderr.flush()
        raise SystemExit(3)
