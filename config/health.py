"""Is this studio able to work? The database, the task broker and the file storage, each asked one cheap question
with a short timeout (HEALTHZ_TIMEOUT).

- ``/healthz/`` (a load balancer's probe, no login): 200 with every check's result and time, or 503 naming the
  checks that failed. Reasons shown there are short and never name hosts, URLs or keys; the log has the details.
- ``manage.py check --database default`` (config/checks.py, run before the web server and the workers start, and
  by ``migrate``): the same checks, plus a write to the storage, failing with a message naming the setting.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


class CheckFailed(Exception):
    """One dependency is not usable. `setting` names what to fix; `reason` is safe to show anyone; `detail` (for
    the log and the operator's terminal) may name hosts, never passwords."""

    def __init__(self, setting: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{setting}: {detail or reason}")
        self.setting, self.reason, self.detail = setting, reason, detail or reason


@dataclass
class Result:
    name: str
    ok: bool
    ms: float
    failure: CheckFailed | None = field(default=None, repr=False)

    def as_json(self) -> dict:
        out: dict = {"ok": self.ok, "ms": self.ms}
        if self.failure is not None:
            out["setting"] = self.failure.setting
            out["error"] = self.failure.reason
        return out


def _where(url: str) -> str:
    """host:port of a URL, for messages (never its user or password)."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return parsed.path
    try:
        port = parsed.port
    except ValueError:
        port = None
    return f"{parsed.hostname or '?'}{f':{port}' if port else ''}"


# ---------------------------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------------------------
def check_database(alias: str = "default") -> None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # A broken connection would otherwise be reused by the next request of this thread.
        connection.close_if_unusable_or_obsolete()
        engine = connection.settings_dict["ENGINE"].rsplit(".", 1)[-1]
        where = connection.settings_dict.get("HOST") or connection.settings_dict.get("NAME")
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckFailed(
            "DATABASE_URL", "the database does not answer", f"cannot use the {engine} database at {where}: {first_line}"
        ) from None


_redis_clients: dict[str, object] = {}


def _redis(url: str):
    import redis

    client = _redis_clients.get(url)
    if client is None:
        timeout = settings.HEALTHZ_TIMEOUT
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        _redis_clients[url] = client
    return client


def check_broker(*, queue_table: bool = True) -> None:
    """Redis: PING. ORM broker: a query on its queue table (`queue_table=False`: just the database, before
    migrations have made that table)."""
    redis_url = settings.Q_CLUSTER.get("redis")
    if redis_url:
        import redis

        try:
            answer = _redis(redis_url).ping()
        except redis.AuthenticationError as exc:
            raise CheckFailed("REDIS_URL", "Redis refused the credentials", f"Redis at {_where(redis_url)}: {exc}") from None
        except (redis.RedisError, OSError) as exc:
            raise CheckFailed("REDIS_URL", "Redis does not answer", f"cannot reach Redis at {_where(redis_url)}: {exc}") from None
        if answer is not True:
            raise CheckFailed("REDIS_URL", "Redis does not answer PING", f"Redis at {_where(redis_url)} answered {answer!r}")
        return
    alias = settings.Q_CLUSTER.get("orm", "default")
    if not queue_table:
        check_database(alias)
        return
    from django_q.models import OrmQ

    try:
        OrmQ.objects.using(alias).exists()
    except DatabaseError as exc:
        connections[alias].close_if_unusable_or_obsolete()
        raise CheckFailed(
            "DATABASE_URL", "the task queue's table cannot be read", f"the ORM broker's queue table: {exc}"
        ) from None


def _s3_failure(exc: Exception, *, writing: bool = False) -> CheckFailed:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    bucket, endpoint = settings.S3_BUCKET, settings.S3_ENDPOINT_URL or "AWS S3"
    where = _where(endpoint) if settings.S3_ENDPOINT_URL else endpoint
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "")) or "?"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchBucket", "404", "NotFound") or status == 404:
            return CheckFailed("S3_BUCKET", "the bucket does not exist", f"there is no bucket {bucket!r} at {where}")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
            return CheckFailed(
                "S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY", "the storage refused the credentials",
                f"{where} refused the credentials for bucket {bucket!r} ({code})",
            )  # fmt: skip
        if code in ("AccessDenied", "403", "Forbidden") or status == 403:
            if writing:
                return CheckFailed(
                    "S3_ACCESS_KEY_ID", "the bucket does not accept writes",
                    f"bucket {bucket!r} at {where} does not let S3_ACCESS_KEY_ID write ({code}): the studio must"
                    " write, read and delete objects there",
                )  # fmt: skip
            return CheckFailed(
                "S3_ACCESS_KEY_ID", "the bucket refused access", f"bucket {bucket!r} at {where} refused access ({code})"
            )
        return CheckFailed("S3_BUCKET", f"the storage answered {code}", f"bucket {bucket!r} at {where}: {code} {exc}")
    if isinstance(exc, (EndpointConnectionError, socket.timeout, TimeoutError, ConnectionError)) or (
        isinstance(exc, BotoCoreError) and "timeout" in type(exc).__name__.lower()
    ):
        return CheckFailed("S3_ENDPOINT_URL", "the storage does not answer", f"cannot reach {where}: {exc}")
    return CheckFailed("S3_ENDPOINT_URL", "the storage does not answer", f"{where}: {type(exc).__name__}: {exc}")


def check_storage(*, write: bool = False) -> None:
    """S3: list one key of the bucket (and with `write`, put, read and delete a small object). Local: MEDIA_ROOT is a folder
    the studio can write into (with `write`, created if missing and written to)."""
    storage = default_storage
    if hasattr(storage, "ping"):
        try:
            storage.ping()
            if write:
                try:
                    storage.probe_write(f".studio-checks/{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex}")
                except Exception as exc:
                    raise _s3_failure(exc, writing=True) from None
        except CheckFailed:
            raise
        except Exception as exc:
            raise _s3_failure(exc) from None
        return
    if isinstance(storage, FileSystemStorage):
        root = str(storage.location)
        if write:
            try:
                os.makedirs(root, exist_ok=True)
                probe = os.path.join(root, f".studio-check-{os.getpid()}-{uuid.uuid4().hex}")
                with open(probe, "wb") as fh:
                    fh.write(b"ok")
                os.unlink(probe)
            except OSError as exc:
                raise CheckFailed("MEDIA_ROOT", "the media folder cannot be written", f"{root}: {exc.strerror or exc}") from None
            return
        if not os.path.isdir(root):
            if not os.path.exists(root) and os.access(os.path.dirname(root) or ".", os.W_OK):
                return  # made on the first save
            raise CheckFailed("MEDIA_ROOT", "the media folder is missing", f"{root} is not a folder")
        if not os.access(root, os.W_OK | os.X_OK):
            raise CheckFailed("MEDIA_ROOT", "the media folder cannot be written", f"{root} is not writable by this user")
        return
    try:
        storage.exists(".studio-check")
    except Exception as exc:
        raise CheckFailed("STORAGES", "the storage does not answer", f"{type(exc).__name__}: {exc}") from None


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def run(checks: dict[str, Callable[[], None]] | None = None) -> list[Result]:
    """Every check, in order, each timed; one failing does not stop the others."""
    results = []
    for name, check in (checks or CHECKS).items():
        started = time.perf_counter()
        failure = None
        try:
            check()
        except CheckFailed as exc:
            failure = exc
        ms = round((time.perf_counter() - started) * 1000, 1)
        results.append(Result(name=name, ok=failure is None, ms=ms, failure=failure))
    return results


# ---------------------------------------------------------------------------------------------------------------
# The endpoint
# ---------------------------------------------------------------------------------------------------------------
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = run()
    failed = [r.name for r in results if not r.ok]
    for result in results:
        if result.failure is not None:
            log.warning("healthz: %s failed: %s", result.name, result.failure)
    body = {
        "status": "fail" if failed else "ok",
        "checks": {r.name: r.as_json() for r in results},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
