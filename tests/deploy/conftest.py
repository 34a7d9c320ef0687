"""Fixtures of the deployment tests: a real S3-compatible server (tests/deploy/s3server.py) and the pipeline's
queue recorded instead of run is the shared `queue` fixture (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.deploy.s3server import s3, s3_server  # noqa: F401  (fixtures)


def _private_redis():
    """A redis-server of this test run's own, on a free port (yields its URL)."""
    import shutil
    import subprocess
    import tempfile
    import time

    import redis

    from tests.deploy.s3server import free_ports

    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    [port] = free_ports(1)
    folder = tempfile.mkdtemp(prefix="studio-redis-")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the private redis-server did not start")
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis_url():
    """A redis-server nobody else uses (tests that queue real tasks under the studio's own queue name)."""
    yield from _private_redis()


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when the run has one (CI's second run), else a private redis-server."""
    import os

    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
    else:
        yield from _private_redis()
