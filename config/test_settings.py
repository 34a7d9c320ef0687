"""Test settings: fast hashing, mail in memory, tasks inline unless a test starts a real cluster."""

from __future__ import annotations

import os
import tempfile

from config.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="studio-test-media-")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
SIM_RENDER_SECONDS = 0.0
SIM_MEDIA_DIR = f"{MEDIA_ROOT}/simulator"
POLL_MIN_SECONDS = 0.05
POLL_MAX_SECONDS = 0.2
FOLLOW_MAX_SECONDS = 5.0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/sora-studio-test-{os.getpid()}.sqlite3"}
