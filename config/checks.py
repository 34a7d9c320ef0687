"""Start-up checks: can this studio reach its database, its task broker and its storage, and write there?

They are Django system checks tagged ``database``, so they run only when a database is named: ``manage.py check
--database default`` (what the systemd units and the Procfile run before the web server and the workers start) and
``migrate``. A failure is an error naming the setting to fix, e.g. ``REDIS_URL: cannot reach Redis at
cache:6379 ...`` (studio.E101-E103), and the command exits non-zero. Malformed settings never get this far: the
settings module refuses them at import (ImproperlyConfigured naming the variable).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from config import health

IDS = {"database": "studio.E101", "broker": "studio.E102", "storage": "studio.E103"}
HINTS = {
    "database": "See README, Running in production (DATABASE_URL, DATABASE_CONNECT_TIMEOUT).",
    "broker": "Redis must answer PING at REDIS_URL (unset REDIS_URL to queue tasks in the database instead).",
    "storage": "The bucket must exist and the key must be allowed to write, read and delete objects in it.",
}


@register(Tags.database, "studio_services")
def check_services(app_configs, databases=None, **kwargs) -> list[Error]:
    if not databases:
        return []
    checks = {
        "database": health.check_database,
        # Before the first migrate the queue table does not exist yet: ask the database itself.
        "broker": lambda: health.check_broker(queue_table=False),
        "storage": lambda: health.check_storage(write=True),
    }
    return [
        Error(f"{r.failure.setting}: {r.failure.detail}", hint=HINTS[r.name], id=IDS[r.name])
        for r in health.run(checks)
        if r.failure is not None
    ]


GENERATED_SECRET_KEY = (
    "SECRET_KEY is not set, so the studio signs with a key it generated into DATA_DIR: another machine (a second web"
    " server, a worker) would generate its own, and sessions, signed links and password-reset tokens made on one"
    " would fail on the other."
)


@register(Tags.security, deploy=True)
def check_secret_key_source(app_configs, **kwargs) -> list[Warning]:
    """`manage.py check --deploy`: production takes its SECRET_KEY from the environment or SECRET_KEY_FILE."""
    if not getattr(settings, "SECRET_KEY_GENERATED", False):
        return []
    hint = "Set SECRET_KEY_FILE (or SECRET_KEY), the same on every machine; see deploy/README.md."
    return [Warning(GENERATED_SECRET_KEY, hint=hint, id="studio.W002")]
