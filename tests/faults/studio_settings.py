"""The studio's own settings (config.settings, from the environment) for the processes a fault scenario starts;
two knobs more: FAULTS_SQLITE_TIMEOUT shortens SQLite's lock wait (20 s) so a lock held past it costs seconds, and
static files need no `collectstatic`."""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3") and os.environ.get("FAULTS_SQLITE_TIMEOUT"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["timeout"] = float(os.environ["FAULTS_SQLITE_TIMEOUT"])  # noqa: F405

# Pages render without `collectstatic` (as in config/test_settings.py): the manifest is not what these tests test.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
