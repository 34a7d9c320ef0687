"""The studio's WSGI application as a fault scenario serves it (gunicorn, deploy/gunicorn.conf.py), with a record
of what the upstream saw: every request to the simulator (method, path, status, Range) and every fault it
injected, one JSON line each, appended to FAULTS_UPSTREAM_LOG. Nothing else changes: same app, same simulator."""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.studio_settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

studio = get_wsgi_application()

from videos.sora.simulator import faults  # noqa: E402

LOG = os.environ.get("FAULTS_UPSTREAM_LOG", "")


def write(record: dict) -> None:
    if not LOG:
        return
    record["t"] = time.time()
    descriptor = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (json.dumps(record) + "\n").encode())  # one write per line: whole lines only
    finally:
        os.close(descriptor)


def _label(fault) -> str:
    if fault.kind == "status":
        return str(fault.status)
    return {"delay": "slow answer", "cutoff": "cut download", "fail_job": "failed job"}.get(fault.kind, fault.kind)


_take_http, _take_job_failure = faults.take_http, faults.take_job_failure


def take_http(method: str, path: str, *, content: bool = False):
    fault = _take_http(method, path, content=content)
    if fault is not None:
        write({"fault": _label(fault), "method": method, "path": path})
    return fault


def take_job_failure(path: str):
    fault = _take_job_failure(path)
    if fault is not None:
        write({"fault": _label(fault), "method": "POST", "path": path})
    return fault


faults.take_http, faults.take_job_failure = take_http, take_job_failure


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith("/sim/"):
        return studio(environ, start_response)

    def recorded(status, headers, exc_info=None):
        write({"request": environ["REQUEST_METHOD"], "path": path, "status": int(status.split()[0]),
               "range": environ.get("HTTP_RANGE")})  # fmt: skip
        return start_response(status, headers, exc_info)

    return studio(environ, recorded)
