"""Bad input stops the studio at start, with a message naming the setting, never later inside a task:

- a malformed DATABASE_URL, REDIS_URL or storage setting: every process refuses to import the settings;
- a database, Redis or bucket that cannot be reached, wrong keys, a bucket that refuses writes: ``manage.py check
  --database default`` (run before the web server and the workers start, see deploy/) fails naming the setting;
  so does ``manage.py qcluster`` started on its own (config/management/commands/qcluster.py), and ``migrate``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.deploy.s3server import ADMIN, BUCKET, READER, free_ports
from tests.deploy.startup import ROOT, clean_env, manage

SECRET = "pw-0a9f-never-shown"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_URL": f"postgres://studio:{SECRET}@db:notaport/studio"}, "DATABASE_URL is not a valid database URL"),
        ({"DATABASE_URL": f"postgres://studio:{SECRET}@db:5432/"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "mysql://db/studio"}, "DATABASE_URL must be a postgres:// or sqlite:// URL"),
        ({"DATABASE_CONNECT_TIMEOUT": "0"}, "DATABASE_CONNECT_TIMEOUT must be at least 1"),
        ({"REDIS_URL": f"redis://:{SECRET}@cache:sixthree/0"}, "REDIS_URL is not a valid Redis URL"),
        ({"REDIS_URL": f"redis://:{SECRET}@cache:6379/zero"}, "REDIS_URL must end with a database number"),
        ({"REDIS_URL": "redis:///0"}, "REDIS_URL names no host"),
        ({"REDIS_URL": "http://cache:6379/0"}, "REDIS_URL must be a URL starting with redis://"),
        ({"S3_BUCKET": "Studio_Media"}, "S3_BUCKET must be a bucket name"),
        ({"S3_BUCKET": "media", "S3_ADDRESSING_STYLE": "sideways"}, "S3_ADDRESSING_STYLE must be path, virtual or auto"),
        ({"S3_BUCKET": "media", "S3_REGION": "Europe West"}, "S3_REGION must be a region name"),
        ({"S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "studio"}, "S3_SECRET_ACCESS_KEY is not set"),
        ({"S3_BUCKET": "media", "S3_SECRET_ACCESS_KEY": SECRET}, "S3_ACCESS_KEY_ID is not set"),
        ({"S3_ENDPOINT_URL": "s3.example.com"}, "S3_ENDPOINT_URL must be a URL starting with http:// or https://"),
        ({"S3_PUBLIC_ENDPOINT_URL": "ftp://media"}, "S3_PUBLIC_ENDPOINT_URL must be a URL"),
        ({"S3_SERVE": "cdn"}, "S3_SERVE must be redirect or proxy"),
        ({"S3_URL_EXPIRE": "86400"}, "S3_URL_EXPIRE must be at least 60 and at most 600"),
        ({"HEALTHZ_TIMEOUT": "soon"}, "HEALTHZ_TIMEOUT must be a number"),
    ],
)
def test_a_malformed_setting_stops_every_process_naming_it(tmp_path, env, message):
    run = manage(tmp_path, "check", **env)

    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and message in run.stderr, run.stderr[-1500:]
    assert SECRET not in run.stderr + run.stdout  # a URL's password is never echoed


def _check_services(tmp_path, **env):
    return manage(tmp_path, "check", "--database", "default", **env)


def test_the_embedded_default_passes(tmp_path):
    run = _check_services(tmp_path)
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues" in run.stdout


def test_an_unreachable_redis_stops_the_start(tmp_path):
    [port] = free_ports(1)
    run = _check_services(tmp_path, REDIS_URL=f"redis://:{SECRET}@127.0.0.1:{port}/0", HEALTHZ_TIMEOUT="1")

    assert run.returncode == 1
    assert f"(studio.E102) REDIS_URL: cannot reach Redis at 127.0.0.1:{port}" in run.stderr, run.stderr
    assert SECRET not in run.stderr


def test_a_reachable_redis_passes(tmp_path, redis_url):
    run = _check_services(tmp_path, REDIS_URL=redis_url)
    assert run.returncode == 0, run.stderr


def test_an_unreachable_database_stops_the_start(tmp_path):
    [port] = free_ports(1)
    run = _check_services(tmp_path, DATABASE_URL=f"postgres://studio:{SECRET}@127.0.0.1:{port}/studio")

    assert run.returncode == 1
    assert "(studio.E101) DATABASE_URL: cannot use the postgresql database at 127.0.0.1" in run.stderr, run.stderr
    assert SECRET not in run.stderr


def test_a_media_root_that_cannot_be_written_stops_the_start(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    run = _check_services(tmp_path, MEDIA_ROOT=str(blocker / "media"))

    assert run.returncode == 1 and "(studio.E103) MEDIA_ROOT:" in run.stderr, run.stderr


# --- S3 ---------------------------------------------------------------------------------------------------------
def test_a_good_bucket_passes_and_keeps_no_trace(tmp_path, s3_server):
    before = s3_server.keys()
    run = _check_services(tmp_path, **s3_server.env())

    assert run.returncode == 0, run.stderr
    assert s3_server.keys() == before  # the write probe was deleted


def test_an_unreachable_bucket_stops_the_start(tmp_path, s3_server):
    [port] = free_ports(1)
    env = {**s3_server.env(), "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "HEALTHZ_TIMEOUT": "1"}
    run = _check_services(tmp_path, **env)

    assert run.returncode == 1
    assert f"(studio.E103) S3_ENDPOINT_URL: cannot reach 127.0.0.1:{port}" in run.stderr, run.stderr


def test_a_missing_bucket_stops_the_start(tmp_path, s3_server):
    run = _check_services(tmp_path, **s3_server.env(bucket="no-such-bucket"))

    assert run.returncode == 1
    assert "(studio.E103) S3_BUCKET: there is no bucket 'no-such-bucket'" in run.stderr, run.stderr


def test_wrong_keys_stop_the_start(tmp_path, s3_server):
    run = _check_services(tmp_path, **s3_server.env(key=(ADMIN[0], SECRET)))

    assert run.returncode == 1
    assert "(studio.E103) S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY:" in run.stderr, run.stderr
    assert SECRET not in run.stderr


def test_a_bucket_without_write_permission_stops_the_start(tmp_path, s3_server):
    before = s3_server.keys()
    run = _check_services(tmp_path, **s3_server.env(key=READER))

    assert run.returncode == 1
    assert f"(studio.E103) S3_ACCESS_KEY_ID: bucket '{BUCKET}'" in run.stderr, run.stderr
    assert "does not let S3_ACCESS_KEY_ID write (AccessDenied)" in run.stderr
    assert s3_server.keys() == before


def test_migrate_runs_the_same_checks(tmp_path, s3_server):
    """The oneshot that migrates (deploy/studio-setup.service) stops there too."""
    run = manage(tmp_path, "migrate", "--noinput", **s3_server.env(key=READER))

    assert run.returncode == 1 and "S3_ACCESS_KEY_ID" in run.stderr, run.stderr[-1500:]


# --- a worker started on its own (not through the units or the Procfile, which run `check` first) ---------------
def _qcluster(tmp_path, **env):
    """`manage.py qcluster` as a supervisor would start it; a cluster that did start is stopped (and fails the test)."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=clean_env(tmp_path, **env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"the worker started despite the failing check:\n{err[-2000:]}")
    return process.returncode, out + err


def test_a_worker_alone_refuses_an_unreachable_redis_naming_it(tmp_path):
    [port] = free_ports(1)
    code, output = _qcluster(tmp_path, REDIS_URL=f"redis://:{SECRET}@127.0.0.1:{port}/0", HEALTHZ_TIMEOUT="1")

    assert code == 1
    assert f"(studio.E102) REDIS_URL: cannot reach Redis at 127.0.0.1:{port}" in output, output[-2000:]
    assert SECRET not in output


def test_a_worker_alone_refuses_a_bucket_it_cannot_write(tmp_path, s3_server):
    before = s3_server.keys()
    code, output = _qcluster(tmp_path, **s3_server.env(key=READER))

    assert code == 1
    assert "does not let S3_ACCESS_KEY_ID write (AccessDenied)" in output, output[-2000:]
    assert "Q Cluster" not in output  # no cluster was started
    assert s3_server.keys() == before


def test_a_worker_alone_refuses_an_unreachable_bucket(tmp_path, s3_server):
    [port] = free_ports(1)
    env = {**s3_server.env(), "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "HEALTHZ_TIMEOUT": "1"}
    code, output = _qcluster(tmp_path, **env)

    assert code == 1 and f"(studio.E103) S3_ENDPOINT_URL: cannot reach 127.0.0.1:{port}" in output, output[-2000:]
