"""config/settings.py runs with no environment at all, switches engines by URL, and refuses bad values at start
with a message that names the variable."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], 'name': str(settings.DATABASES['default']['NAME']),"
    " 'broker': 'redis' if 'redis' in settings.Q_CLUSTER else ('orm' if 'orm' in settings.Q_CLUSTER else None),"
    " 'q': settings.Q_CLUSTER, 'storage': settings.STORAGES['default']['BACKEND'], 'base': settings.OPENAI_BASE_URL,"
    " 'sim': settings.SORA_SIMULATOR, 'signup': settings.SIGNUP_OPEN}, default=str))"
)


def _settings(tmp_path, code: str = PROBE, **env):
    """Run `code` in a fresh interpreter with only `env` (and DATA_DIR in tmp_path) as its environment."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path / "data")}, **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_no_environment_means_the_embedded_default(tmp_path):
    run = _settings(tmp_path)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["engine"] == "django.db.backends.sqlite3" and out["name"].startswith(str(tmp_path / "data"))
    assert out["broker"] == "orm"
    assert out["storage"] == "django.core.files.storage.FileSystemStorage"
    assert out["sim"] is True and out["base"] == ""  # no provider but the simulator (providers/environment.py)
    assert out["q"]["timeout"] < out["q"]["retry"] and out["q"]["max_attempts"] > 0
    key = tmp_path / "data" / "secret_key"
    assert key.exists() and len(key.read_text().strip()) >= 50
    first = key.read_text()
    assert _settings(tmp_path).returncode == 0 and key.read_text() == first  # generated once, then kept
    sim_key = tmp_path / "data" / "simulator_key"
    assert sim_key.read_text().startswith("sk-sim-") and len(sim_key.read_text()) > 30
    assert oct(sim_key.stat().st_mode & 0o777) == "0o600" and oct(key.stat().st_mode & 0o777) == "0o600"


def test_urls_switch_to_postgresql_and_redis(tmp_path):
    run = _settings(tmp_path, DATABASE_URL="postgres://u:p@db.example:5432/studio", REDIS_URL="redis://cache:6379/1")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["engine"] == "django.db.backends.postgresql" and out["name"] == "studio"
    assert out["broker"] == "redis" and out["q"]["redis"] == "redis://cache:6379/1"


def test_a_key_switches_off_the_simulator(tmp_path):
    out = json.loads(_settings(tmp_path, OPENAI_API_KEY="sk-test-123").stdout)
    assert out["sim"] is False and out["base"] == "https://api.openai.com/v1"
    assert "sk-test-123" not in json.dumps(out)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL"),
        ({"SIGNUP_OPEN": "maybe"}, "SIGNUP_OPEN must be a boolean"),
        ({"SORA_MAX_IN_FLIGHT": "0"}, "SORA_MAX_IN_FLIGHT must be at least 1"),
        ({"Q_WORKERS": "many"}, "Q_WORKERS must be a whole number"),
        ({"OPENAI_WEBHOOK_SECRET": "plain"}, "OPENAI_WEBHOOK_SECRET must start with whsec_"),
        ({"SIM_FAULT_RATE": "2"}, "SIM_FAULT_RATE"),
        ({"SITE_URL": "ftp://x"}, "SITE_URL must be a URL"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1"),
        ({"LOGIN_LOCKOUT_MINUTES": "soon"}, "LOGIN_LOCKOUT_MINUTES must be a whole number"),
        ({"PASSWORD_RESET_MAX_PER_ADDRESS": "0"}, "PASSWORD_RESET_MAX_PER_ADDRESS must be at least 1"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS must be a whole number"),
        ({"SECURE_HSTS_PRELOAD": "sure"}, "SECURE_HSTS_PRELOAD must be a boolean"),
    ],
)
def test_bad_values_fail_at_start_naming_the_variable(tmp_path, env, message):
    run = _settings(tmp_path, **env)
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and message in run.stderr, run.stderr[-800:]


def test_env_example_lists_every_variable_the_settings_read():
    import re

    read = set(re.findall(r'env_[a-z]+\("([A-Z0-9_]+)"', (ROOT / "config" / "settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    assert read - listed == set()


# --- secrets at rest and in the log -----------------------------------------------------------------------------
WRITE_AND_LIST = (
    "import os; os.umask(0o022);"  # the usual umask, which makes new files world-readable
    "import django; from django.conf import settings; django.setup();"
    "from django.db import connection; c = connection.cursor();"
    "c.execute('CREATE TABLE t (x)'); c.execute('INSERT INTO t VALUES (1)');"  # WAL mode: -wal and -shm now exist
    "d = settings.DATA_DIR;"
    "print(sorted((n, oct(os.stat(d / n).st_mode & 0o777)) for n in os.listdir(d) if n.startswith('studio.sqlite3')))"
)


def test_the_sqlite_database_and_its_wal_and_shm_are_owner_only(tmp_path):
    run = _settings(tmp_path, WRITE_AND_LIST)
    assert run.returncode == 0, run.stderr
    files = dict(ast.literal_eval(run.stdout))
    assert set(files) == {"studio.sqlite3", "studio.sqlite3-wal", "studio.sqlite3-shm"}, files
    assert set(files.values()) == {"0o600"}, files


def test_a_database_made_world_readable_earlier_is_tightened_at_start(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("studio.sqlite3", "studio.sqlite3-wal"):
        (tmp_path / "data" / name).touch(mode=0o644)
        (tmp_path / "data" / name).chmod(0o644)
    run = _settings(tmp_path, WRITE_AND_LIST)
    assert run.returncode == 0, run.stderr
    assert set(dict(ast.literal_eval(run.stdout)).values()) == {"0o600"}, run.stdout


def test_console_mail_is_announced_at_start_and_quiet_with_a_mail_server(tmp_path):
    quiet = "import django; django.setup()"
    loud = _settings(tmp_path, quiet)
    assert loud.returncode == 0, loud.stderr
    assert "EMAIL_HOST is not set, so mail is printed to the log: password-reset links there are working tokens" in loud.stderr

    with_mail = _settings(tmp_path, quiet, EMAIL_HOST="smtp.example.com")
    assert with_mail.returncode == 0 and "EMAIL_HOST is not set" not in with_mail.stderr
