"""S3-compatible storage for the studio: django-storages' S3Storage, plus what streaming needs.

django-storages' own S3File downloads a whole object into a temporary file (or memory) before the first byte can be
read, and buffers writes into one. The studio's files are videos, so this backend:

- opens objects for reading ("rb") as a seekable stream of ranged GETs (``RangeReader``): reading on from where the
  last read stopped continues the same response; a seek further than ``READ_THROUGH`` opens a new range. Probing an
  MP4's headers, decoding a frame for a thumbnail or copying a file reads what it needs, never the whole object first;
- writes uploads as they arrive (``S3Writer``): one PUT for a small file, a multipart upload in ``PART_SIZE`` parts
  for a big one, so memory stays at about one part; ``abort()`` leaves nothing in the bucket;
- signs short-lived GET URLs for browsers, optionally for another address than the one the workers use
  (``public_endpoint_url``: the bucket as browsers reach it);
- streams one byte range of an object (``iter_range``) for serving through Django;
- answers a cheap health question (``ping``: a one-key listing of the bucket, short timeouts, no retries).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.utils import clean_name

PART_SIZE = 8 << 20  # multipart part size (S3's minimum is 5 MiB for every part but the last)
READ_THROUGH = 256 << 10  # a forward seek this short reads on in the open response rather than opening a new one
READ_BUFFER = 64 << 10  # the buffered reader's buffer on top of the ranged reader


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class RangeReader(io.RawIOBase):
    """A read-only, seekable view of one S3 object, fetched by ranged GETs only where it is read."""

    def __init__(self, client, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self._client, self._bucket, self._key, self.size = client, bucket, key, size
        self._pos = 0
        self._body = None  # the open response body, positioned at self._body_pos
        self._body_pos = 0
        self.requests = 0  # ranged GETs made (tests and benchmarks read it)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if target < 0:
            raise OSError("negative seek position")
        self._pos = target
        return target

    def readinto(self, buffer) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        want = min(len(buffer), self.size - self._pos)
        if want <= 0:
            return 0
        if self._body is None or not (self._body_pos <= self._pos <= self._body_pos + READ_THROUGH):
            self._open_at(self._pos)
        while self._body_pos < self._pos:  # a short forward seek: read on
            skipped = self._body.read(min(self._pos - self._body_pos, READ_BUFFER))
            if not skipped:
                raise OSError(f"{self._key}: the object ended early (at byte {self._body_pos} of {self.size})")
            self._body_pos += len(skipped)
        data = self._body.read(want)
        if not data:
            raise OSError(f"{self._key}: the object ended early (at byte {self._body_pos} of {self.size})")
        count = len(data)
        buffer[:count] = data
        self._pos += count
        self._body_pos += count
        return count

    def _open_at(self, start: int) -> None:
        self._close_body()
        self.requests += 1
        response = self._client.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={start}-")
        self._body, self._body_pos = response["Body"], start

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._close_body()
        super().close()


class S3ObjectFile(File):
    """What ``storage.open(name, "rb")`` returns: a Django File over a buffered RangeReader, with ``size``. Opening
    it again once closed (``FieldFile.open()`` does) starts a fresh reader on the same object."""

    def __init__(self, reader: RangeReader, name: str) -> None:
        self.reader = reader
        super().__init__(io.BufferedReader(reader, buffer_size=READ_BUFFER), name=name)
        self.size = reader.size
        self.mode = "rb"

    def open(self, mode=None):
        if mode not in (None, "rb"):
            raise ValueError(f"an S3 object opened for reading cannot be reopened with mode {mode!r}")
        if self.closed:
            old = self.reader
            self.reader = RangeReader(old._client, old._bucket, old._key, old.size)
            self.file = io.BufferedReader(self.reader, buffer_size=READ_BUFFER)
        else:
            self.seek(0)
        return self


class S3Writer:
    """Bytes written go to the object `key` as they come: parts of PART_SIZE are uploaded as soon as they fill.
    ``commit()`` makes the object (it never replaces one: the write is conditional, If-None-Match: *), ``abort()``
    removes whatever was uploaded. Use one or the other, once."""

    def __init__(self, storage: S3Storage, name: str, *, content_type: str) -> None:
        self._storage, self.name, self.key = storage, name, storage.key(name)
        self._client = storage.connection.meta.client
        self._params = storage._get_write_parameters(self.key)
        self._params["ContentType"] = content_type
        self._chunks: list[bytes] = []  # written since the last part went up
        self._buffered = 0
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._buffered += len(data)
        self.bytes += len(data)
        if self._buffered >= PART_SIZE:
            self._upload_part()  # parts may differ in size: no copy to cut it at exactly PART_SIZE
        return len(data)

    def _take(self) -> bytes:
        body = b"".join(self._chunks)
        self._chunks, self._buffered = [], 0
        return body

    def _upload_part(self) -> None:
        if self._upload_id is None:
            started = self._client.create_multipart_upload(Bucket=self._storage.bucket_name, Key=self.key, **self._params)
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._storage.bucket_name, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=self._take()
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def commit(self) -> None:
        bucket = self._storage.bucket_name
        if self._upload_id is None:
            self._conditional(self._client.put_object, Bucket=bucket, Key=self.key, Body=self._take(), **self._params)
            return
        if self._chunks:
            self._upload_part()
        self._conditional(
            self._client.complete_multipart_upload,
            Bucket=bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts},
        )  # fmt: skip
        self._upload_id = None

    def _conditional(self, call, **kwargs) -> None:
        """The call with If-None-Match: * (never overwrite), unless this server does not implement that."""
        if self._storage.conditional_writes:
            try:
                call(IfNoneMatch="*", **kwargs)
                return
            except ClientError as exc:
                if _status(exc) != 501 and _code(exc) not in ("NotImplemented", "InvalidArgument"):
                    raise
                self._storage.conditional_writes = False  # remembered for this process
        call(**kwargs)

    def abort(self) -> None:
        self._chunks, self._buffered = [], 0
        if self._upload_id is not None:
            self._client.abort_multipart_upload(Bucket=self._storage.bucket_name, Key=self.key, UploadId=self._upload_id)
            self._upload_id = None


class S3Storage(BaseS3Storage):
    """django-storages' S3Storage with streaming reads and writes, browser URLs and a health ping."""

    def __init__(self, **settings) -> None:
        self.public_endpoint_url = settings.pop("public_endpoint_url", None)
        self.ping_timeout = float(settings.pop("ping_timeout", 2.0))
        self.conditional_writes = bool(settings.pop("conditional_writes", True))
        super().__init__(**settings)
        self._extra = threading.local()

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_extra", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._extra = threading.local()

    # -- names --------------------------------------------------------------------------------------------------
    def key(self, name: str) -> str:
        """The object key of a storage name (with the storage's `location` prefix)."""
        return self._normalize_name(clean_name(name))

    # -- reading ------------------------------------------------------------------------------------------------
    def _open(self, name: str, mode: str = "rb"):
        if mode != "rb":
            return super()._open(name, mode)
        key = self.key(name)
        try:
            head = self.connection.meta.client.head_object(Bucket=self.bucket_name, Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        return S3ObjectFile(RangeReader(self.connection.meta.client, self.bucket_name, key, head["ContentLength"]), name)

    def iter_range(self, name: str, start: int, end: int, *, chunk_size: int = READ_BUFFER) -> Iterator[bytes]:
        """Bytes start..end (inclusive) of the object, streamed from one ranged GET (never the whole object)."""
        response = self.connection.meta.client.get_object(
            Bucket=self.bucket_name, Key=self.key(name), Range=f"bytes={start}-{end}"
        )
        body = response["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    # -- writing ------------------------------------------------------------------------------------------------
    def writer(self, name: str, *, content_type: str) -> S3Writer:
        """A streaming writer for the new object `name` (from get_available_name)."""
        return S3Writer(self, name, content_type=content_type)

    # -- URLs for browsers --------------------------------------------------------------------------------------
    def browser_url(self, name: str, *, parameters: dict, expire: int) -> str:
        """A GET URL signed for `expire` seconds, at the address browsers use (public_endpoint_url when set)."""
        if not self.public_endpoint_url:
            return self.url(name, parameters=parameters, expire=expire)
        client = getattr(self._extra, "public_client", None)
        if client is None:
            client = boto3.Session(
                aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                aws_session_token=self.security_token,
            ).client("s3", region_name=self.region_name, endpoint_url=self.public_endpoint_url, config=self.client_config)  # fmt: skip
            self._extra.public_client = client
        return client.generate_presigned_url(
            "get_object", Params={**parameters, "Bucket": self.bucket_name, "Key": self.key(name)}, ExpiresIn=expire
        )

    # -- health -------------------------------------------------------------------------------------------------
    def _ping_client(self):
        client = getattr(self._extra, "ping_client", None)
        if client is None:
            config = self.client_config.merge(
                Config(
                    connect_timeout=self.ping_timeout,
                    read_timeout=self.ping_timeout,
                    retries={"max_attempts": 1, "mode": "standard"},
                )
            )
            client = boto3.Session(
                aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                aws_session_token=self.security_token,
            ).client("s3", region_name=self.region_name, endpoint_url=self.endpoint_url, config=config)  # fmt: skip
            self._extra.ping_client = client
        return client

    def ping(self) -> None:
        """List at most one key of the bucket (short timeouts, one attempt): unlike a HEAD, a refusal says why
        (NoSuchBucket, SignatureDoesNotMatch, AccessDenied). Raises what went wrong."""
        self._ping_client().list_objects_v2(Bucket=self.bucket_name, MaxKeys=1, Prefix=self.key(".studio-checks/"))

    def probe_write(self, name: str) -> None:
        """Write, read back and delete a small object `name`: the bucket takes writes with these credentials."""
        client, key = self._ping_client(), self.key(name)
        body = b"sora-studio start-up check\n"
        client.put_object(Bucket=self.bucket_name, Key=key, Body=body, ContentType="text/plain")
        try:
            got = client.get_object(Bucket=self.bucket_name, Key=key)["Body"].read()
            if got != body:
                raise OSError("the object read back differs from the one written")
        finally:
            client.delete_object(Bucket=self.bucket_name, Key=key)
