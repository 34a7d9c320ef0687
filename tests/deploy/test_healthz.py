"""/healthz/: a load balancer's probe. 200 JSON with each check's result and time when the database, the broker and
the storage all answer; 503 naming what failed otherwise, without hosts or keys in the answer."""

from __future__ import annotations

import time

from config import health
from tests.deploy.s3server import free_ports, s3_storage_settings

# Bounds on how long a probe takes are hang guards (a dead host must not hold a load balancer's probe for the
# socket's default timeout), set well above what a busy two-core CI machine takes; not speed targets.
ANSWERS_WITHIN_MS = 5000
FAILS_WITHIN_MS = 10000


def _get(client):
    started = time.perf_counter()
    r = client.get("/healthz/")
    return r, (time.perf_counter() - started) * 1000


def test_all_good_on_the_embedded_default(client, db):
    r, ms = _get(client)

    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "broker", "storage"}
    assert all(c["ok"] is True and c["ms"] >= 0 for c in body["checks"].values())
    assert "no-cache" in r["Cache-Control"] and ms < ANSWERS_WITHIN_MS


def test_all_good_on_s3(client, db, s3):
    r, ms = _get(client)

    assert r.status_code == 200, r.json()
    assert r.json()["checks"]["storage"]["ok"] is True and ms < ANSWERS_WITHIN_MS


def test_head_works_and_post_does_not(client, db):
    assert client.head("/healthz/").status_code == 200
    assert client.post("/healthz/").status_code == 405


def test_a_missing_bucket_fails_the_storage_check(client, db, s3, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {
        **settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"}}}  # fmt: skip

    r = client.get("/healthz/")

    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "fail" and body["failed"] == ["storage"]
    assert body["checks"]["storage"] == {"ok": False, "ms": body["checks"]["storage"]["ms"], "setting": "S3_BUCKET",
                                         "error": "the bucket does not exist"}  # fmt: skip
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]


def test_an_unreachable_bucket_fails_fast(client, db, s3_server, settings):
    [port] = free_ports(1)
    storage = s3_storage_settings(s3_server, prefix="x", ping_timeout=0.5)
    storage["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{port}"
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"

    r, ms = _get(client)

    assert r.status_code == 503 and r.json()["failed"] == ["storage"]
    assert r.json()["checks"]["storage"]["setting"] == "S3_ENDPOINT_URL"
    assert str(port) not in r.content.decode()  # no host or port for anonymous callers
    assert ms < FAILS_WITHIN_MS


def test_wrong_credentials_fail_the_storage_check(client, db, s3, settings):
    options = {**settings.STORAGES["default"]["OPTIONS"], "secret_key": "wrong-secret"}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}

    r = client.get("/healthz/")

    assert r.status_code == 503 and r.json()["checks"]["storage"]["ok"] is False
    assert "wrong-secret" not in r.content.decode()


def test_an_unreachable_redis_fails_the_broker_check(client, db, settings):
    [port] = free_ports(1)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": f"redis://:hunter2@127.0.0.1:{port}/0"}
    settings.HEALTHZ_TIMEOUT = 0.5

    r, ms = _get(client)

    assert r.status_code == 503
    body = r.json()
    assert body["failed"] == ["broker"] and body["checks"]["broker"]["setting"] == "REDIS_URL"
    assert body["checks"]["broker"]["error"] == "Redis does not answer"
    assert "hunter2" not in r.content.decode()
    assert ms < FAILS_WITHIN_MS


def test_a_live_redis_passes_the_broker_check(client, db, settings, redis_url):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": redis_url}

    r = client.get("/healthz/")

    assert r.status_code == 200, r.json()
    assert r.json()["checks"]["broker"]["ok"] is True


def test_a_database_that_does_not_answer_fails_the_database_check(client, db, monkeypatch):
    from django.db import OperationalError, connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.9, port 5432 failed: timeout expired")

    monkeypatch.setattr(connection, "cursor", refuse)

    r = client.get("/healthz/")

    assert r.status_code == 503
    body = r.json()
    assert set(body["failed"]) >= {"database"} and body["checks"]["database"]["setting"] == "DATABASE_URL"
    assert "10.0.0.9" not in r.content.decode()


def test_the_checks_run_even_when_one_fails(db, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": f"redis://127.0.0.1:{free_ports(1)[0]}/0"}
    settings.HEALTHZ_TIMEOUT = 0.5
    results = {r.name: r for r in health.run()}
    assert results["database"].ok and not results["broker"].ok and results["storage"].ok
