"""Secrets come from the environment or from a file named by <NAME>_FILE (systemd's LoadCredential=, a mounted
secret). A file that is missing, empty, not a file, or readable by every user stops the studio at start, naming
the variable; the secret itself never appears in the message."""

from __future__ import annotations

import json

import pytest

from tests.deploy.startup import python

PROBE = (
    "import json, os, django; from django.conf import settings; django.setup();"
    "from django.core.files.storage import default_storage as s;"
    "print(json.dumps({'secret_key': settings.SECRET_KEY, 'db': settings.DATABASES['default']['ENGINE'],"
    " 'db_password': settings.DATABASES['default'].get('PASSWORD'), 'redis': settings.Q_CLUSTER.get('redis'),"
    " 's3_key': settings.S3_ACCESS_KEY_ID, 's3_secret': settings.S3_SECRET_ACCESS_KEY,"
    " 'mail_password': getattr(settings, 'EMAIL_HOST_PASSWORD', None), 'openai': settings.OPENAI_API_KEY,"
    " 'env_openai': os.environ.get('OPENAI_API_KEY'), 'env_acme': os.environ.get('PROVIDER_ACME_KEY'),"
    " 'env_db': os.environ.get('DATABASE_URL'), 'sim': settings.SORA_SIMULATOR}))"
)


def _secret(tmp_path, name: str, value: str, mode: int = 0o600):
    path = tmp_path / "credentials" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(value + "\n")  # as `echo` writes it: the newline is not part of the secret
    path.chmod(mode)
    return str(path)


def test_every_secret_can_come_from_a_file(tmp_path):
    key = "k" * 60
    env = {
        "SECRET_KEY_FILE": _secret(tmp_path, "secret_key", key),
        "DATABASE_URL_FILE": _secret(tmp_path, "database_url", "postgres://studio:db-pw-1@127.0.0.1:5432/studio"),
        "REDIS_URL_FILE": _secret(tmp_path, "redis_url", "redis://:redis-pw-1@127.0.0.1:6379/3"),
        "S3_BUCKET": "media",
        "S3_ACCESS_KEY_ID_FILE": _secret(tmp_path, "s3_key", "AKIASTUDIO"),
        "S3_SECRET_ACCESS_KEY_FILE": _secret(tmp_path, "s3_secret", "s3-secret-1", mode=0o640),
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_HOST_PASSWORD_FILE": _secret(tmp_path, "mail", "mail-pw-1"),
        "OPENAI_API_KEY_FILE": _secret(tmp_path, "openai", "sk-from-a-file"),
        "PROVIDER_ACME_KEY_FILE": _secret(tmp_path, "acme", "acme-key-1"),
    }

    run = python(tmp_path, PROBE, **env)

    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["secret_key"] == key and out["db"] == "django.db.backends.postgresql" and out["db_password"] == "db-pw-1"
    assert out["redis"] == "redis://:redis-pw-1@127.0.0.1:6379/3"
    assert (out["s3_key"], out["s3_secret"], out["mail_password"]) == ("AKIASTUDIO", "s3-secret-1", "mail-pw-1")
    # Provider keys are read from the process environment by their name: the file's content is put there.
    assert out["openai"] == out["env_openai"] == "sk-from-a-file" and out["sim"] is False
    assert out["env_acme"] == "acme-key-1"
    assert out["env_db"] is None  # the studio's own secrets stay in the settings only
    assert not (tmp_path / "data" / "secret_key").exists()  # no key generated when one is given


def test_a_provider_key_from_a_file_reaches_the_provider_client(tmp_path):
    code = (
        "import django; django.setup();"
        "from providers.models import Provider; from providers.clients import api_key_for;"
        "print(api_key_for(Provider(slug='acme', name='Acme', base_url='https://acme.example/v1',"
        " api_key_env='PROVIDER_ACME_KEY')))"
    )
    run = python(tmp_path, code, PROVIDER_ACME_KEY_FILE=_secret(tmp_path, "acme", "acme-key-2"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "acme-key-2"


def test_a_studio_secret_is_never_exported_as_a_provider_key(tmp_path):
    """Even an operator who allows every name for provider keys cannot make SECRET_KEY one."""
    code = "import os, django; django.setup(); print(os.environ.get('SECRET_KEY'))"
    run = python(tmp_path, code, PROVIDER_KEY_PREFIXES="S", SECRET_KEY_FILE=_secret(tmp_path, "sk", "s" * 60))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "None"


@pytest.mark.parametrize(
    "name",
    ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "S3_SECRET_ACCESS_KEY", "EMAIL_HOST_PASSWORD", "OPENAI_API_KEY",
     "PROVIDER_ACME_KEY"],
)  # fmt: skip
def test_a_world_readable_secret_file_stops_the_start(tmp_path, name):
    path = _secret(tmp_path, name.lower(), "postgres://u:hunter2-x@h/db", mode=0o644)

    run = python(tmp_path, "import django; django.setup()", **{f"{name}_FILE": path})

    assert run.returncode != 0
    assert f"{name}_FILE names {path}, which every user of this machine can read (mode 0644)" in run.stderr, run.stderr
    assert "hunter2-x" not in run.stderr


def test_a_missing_secret_file_stops_the_start(tmp_path):
    run = python(tmp_path, "import django; django.setup()", SECRET_KEY_FILE=str(tmp_path / "nope"))
    assert run.returncode != 0
    assert f"SECRET_KEY_FILE names {tmp_path / 'nope'}, which does not exist" in run.stderr, run.stderr


def test_a_folder_or_an_empty_file_stops_the_start(tmp_path):
    folder = tmp_path / "creds"
    folder.mkdir(mode=0o700)
    run = python(tmp_path, "import django; django.setup()", DATABASE_URL_FILE=str(folder))
    assert run.returncode != 0 and "DATABASE_URL_FILE names" in run.stderr and "not a regular file" in run.stderr

    empty = _secret(tmp_path, "empty", "")
    run = python(tmp_path, "import django; django.setup()", EMAIL_HOST_PASSWORD_FILE=empty, EMAIL_HOST="smtp.example.com")
    assert run.returncode != 0 and f"EMAIL_HOST_PASSWORD_FILE names {empty}, which is empty" in run.stderr


def test_a_secret_set_twice_differently_stops_the_start(tmp_path):
    path = _secret(tmp_path, "sk", "a" * 60)
    run = python(tmp_path, "import django; django.setup()", SECRET_KEY="b" * 60, SECRET_KEY_FILE=path)
    assert run.returncode != 0
    assert "SECRET_KEY and SECRET_KEY_FILE are both set, to different values" in run.stderr
    assert "a" * 60 not in run.stderr and "b" * 60 not in run.stderr
