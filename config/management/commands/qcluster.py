"""`manage.py qcluster`: django-q2's worker cluster, started only after the studio's start-up checks pass.

The checks (config/checks.py: database, broker and storage reachable, the storage writable) are the ones the web
server runs before it binds its port, so a worker started by hand, by a supervisor of its own or on another machine
refuses to start with a message naming the setting (``REDIS_URL: cannot reach Redis at ...``, ``S3_ACCESS_KEY_ID:
bucket ... does not let S3_ACCESS_KEY_ID write``), instead of failing later inside a task. STUDIO_START_CHECKS=false
skips them, as for the web server (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import os

from django_q.management.commands.qcluster import Command as ClusterCommand


def start_checks_wanted() -> bool:
    return os.environ.get("STUDIO_START_CHECKS", "true").strip().lower() not in ("0", "false", "no", "off")


class Command(ClusterCommand):
    help = ClusterCommand.help + " (after the studio's start-up checks: database, broker and storage)"

    def handle(self, *args, **options):
        if start_checks_wanted():
            self.check(databases=["default"])  # SystemCheckError naming the setting, exit status 1
        return super().handle(*args, **options)
