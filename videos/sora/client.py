"""The studio's HTTP client for the ``/v1/videos`` contract (``/work/shared/openai-videos-api.md``).

The only module of the project that imports ``requests``. It talks to the built-in simulator or any compatible
server by base URL, with the same code path.

Reliability rules (contract section 6, ECOSYSTEM 7.2):
- every request carries a ``(connect, read)`` timeout and goes through one ``requests.Session``;
- connection errors, timeouts, 408, 409, 429 and 5xx are retried a finite number of times, honouring
  ``x-should-retry``, then ``retry-after-ms`` / ``retry-after`` when 0 < hint <= 120 s (a longer hint means no
  retry at all), else a capped exponential backoff with jitter;
- POST create/remix are retried only when the server certainly created nothing (connection never established,
  or a 408/409/429/503 answer). A 500/502/504 answer, a read timeout or a dropped connection after sending
  raises ``SoraError(retryable=True, maybe_created=True)`` so the pipeline reconciles instead of creating a
  second paid job;
- redirects are followed for GET only, to the base URL's own origin; a download may also follow an https
  redirect to another host (a CDN), without the Authorization header (no SSRF over plain http, no key leak);
- downloads stream in chunks into any object with ``.write(bytes)``, hashing and counting on the way, up to a
  maximum size per variant (``SORA_MAX_DOWNLOAD_BYTES`` for the video, ``SORA_MAX_IMAGE_BYTES`` for thumbnails
  and spritesheets): beyond it the download stops with a permanent error;
- every answer is read with a cap: a JSON answer at most ``JSON_BODY_LIMIT`` bytes, an error at most
  ``ERROR_BODY_LIMIT`` (a 10 GB error page never reaches memory).

Servers other than OpenAI's (``/work/shared/PROVIDERS.md``) are tolerated: error bodies in FastAPI's
``{"detail": ...}``, new-api's ``{"code", "message", "data"}``, LiteLLM's wrapped ``"litellm.XError: OpenAIException -
{upstream json}"`` (the upstream's own message is used), plain text or HTML (never echoed: the status line is used)
all become a short ``SoraError.message``; a retrieve answered non-2xx with a failed job as its body (vLLM-Omni)
returns that job instead of raising, so the pipeline ends the video with the upstream's error.

The API key is sent in the ``Authorization`` header and nowhere else: not in a log line, an exception message or
a repr. Anything a server echoes back is redacted before it reaches a ``SoraError``.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from typing import Any, BinaryIO, Protocol, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from .catalog import VARIANTS
from .errors import SoraError
from .types import Character, DeletedVideo, Download, ImageUpload, RawAnswer, Video, VideoPage

logger = logging.getLogger(__name__)

USER_AGENT = "SoraStudio/0.1"
JSON = "application/json"
BINARY = "application/binary"

DEFAULT_TIMEOUT = (5.0, 60.0)
DEFAULT_MAX_RETRIES = 2
# A server hint above this is not slept on: the call fails at once with a retryable error (as the SDK does).
MAX_RETRY_AFTER = 120.0
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_REDIRECTS = 5
DOWNLOAD_CHUNK_SIZE = 1024 * 1024
# How much of an error body is read (an error response is never read whole).
ERROR_BODY_LIMIT = 64 * 1024
# The largest JSON answer read (a list page of 100 videos with 1,000-character ids is about 300 KB).
JSON_BODY_LIMIT = 16 * 1024 * 1024
# The longest SoraError message made from what a server sent (the middle is cut out beyond it).
MESSAGE_LIMIT = 600
# The largest download per variant, unless settings (or the caller) say otherwise.
DEFAULT_MAX_VIDEO_BYTES = 2 * 1024**3
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024**2
REDACTED = "[redacted]"
# Answers after which a create may or may not have happened upstream (429, 408 and 503 say "not processed").
MAYBE_PROCESSED = (500, 502, 504)
# What an API key may contain: printable ASCII, no whitespace (it goes verbatim into a header value).
_HEADER_SAFE_KEY = re.compile(r"[\x21-\x7e]+")

T = TypeVar("T")


class Writable(Protocol):
    """Anything a download can be streamed into: a file opened "wb", a Django ``File``/storage file, a BytesIO."""

    def write(self, data: bytes, /) -> object: ...


class SoraClient:
    """A client for one ``/v1/videos`` server.

    ``sleep`` and ``random`` are attributes so tests (and callers) can replace them.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        session: requests.Session | None = None,
        max_download_bytes: Mapping[str, int] | None = None,
    ) -> None:
        api_key = (api_key or "").strip()  # a key read from a file often ends in a newline
        if not api_key:
            raise ValueError("api_key is required")
        if not _HEADER_SAFE_KEY.fullmatch(api_key):
            # requests would reject it later with the header's repr (escaped key included) in the message.
            # The message must not quote the key.
            raise ValueError("api_key must be printable ASCII with no whitespace or control characters inside")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        connect, read = timeout
        if connect <= 0 or read <= 0:
            raise ValueError("timeouts must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = (float(connect), float(read))
        self.max_retries = int(max_retries)
        # The key is never stored on the session: it is added to each request's headers.
        self.session = session or requests.Session()
        self.sleep: Callable[[float], None] = time.sleep
        self.random: Callable[[], float] = random.random
        # The most bytes a download of each variant may have (settings by default).
        self.max_download_bytes: dict[str, int] = {**download_limits(), **(max_download_bytes or {})}
        # How many HTTP requests this client sent (each redirect and each retry counts).
        self.calls = 0

    def __repr__(self) -> str:
        return f"SoraClient(base_url={self.base_url!r}, timeout={self.timeout!r}, max_retries={self.max_retries})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SoraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------------------------
    # The contract's calls
    # -----------------------------------------------------------------------------------------------------------
    def create(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: str | int | None = None,
        input_reference: ImageUpload | Mapping[str, str] | None = None,
        multipart: bool = False,
        characters: list[str] | tuple[str, ...] | None = None,
    ) -> Video:
        """``POST /videos``: JSON, or multipart/form-data when ``input_reference`` is an ``ImageUpload`` or the
        server takes multipart only (``multipart=True``: vLLM-Omni's create reads form fields, as the SDK sends).

        ``input_reference`` may also be ``{"image_url": ...}`` or ``{"file_id": ...}``, sent as JSON. ``seconds``
        always goes over the wire as a string (the API rejects a JSON integer). ``characters``: up to two character
        ids (``create_character``), sent as ``[{"id": ...}]`` (a JSON-encoded field in multipart). Never retried
        blindly: see the module docstring.
        """
        fields = {"prompt": prompt, "model": model, "size": size, "seconds": None if seconds is None else str(seconds)}
        fields = {key: value for key, value in fields.items() if value is not None}
        cast = [{"id": character_id} for character_id in characters or ()]
        if cast and (multipart or isinstance(input_reference, ImageUpload)):
            fields["characters"] = json.dumps(cast)
        if multipart and not isinstance(input_reference, ImageUpload):
            # Text-only multipart, as the SDK sends it: each field a part without a filename.
            parts = {key: (None, value) for key, value in fields.items()}
            response = self._send("POST", "/videos", files=parts, idempotent=False)
        elif isinstance(input_reference, ImageUpload):
            file_part = (input_reference.filename, input_reference.read(), input_reference.resolved_content_type())
            response = self._send("POST", "/videos", data=fields, files={"input_reference": file_part}, idempotent=False)
        else:
            body: dict[str, Any] = dict(fields)
            if input_reference is not None:
                body["input_reference"] = dict(input_reference)
            if cast:
                body["characters"] = cast
            response = self._send("POST", "/videos", json_body=body, idempotent=False)
        return self._video(response, idempotent=False)

    def retrieve(self, video_id: str) -> Video:
        """``GET /videos/{id}``: the job's latest state (``poll_after_ms`` set when the server suggests one).

        A server that answers a failed job with an error status and the job as the body (vLLM-Omni: 500 or 400)
        gives that job back, with ``http_status`` saying how it came, instead of an error that would be retried.
        """
        response = self._send("GET", f"/videos/{_segment(video_id)}", failed_job_ok=True)
        return self._video(response)

    def list_page(self, *, after: str | None = None, limit: int | None = None, order: str | None = None) -> VideoPage:
        """``GET /videos``: one page."""
        params = {key: value for key, value in (("after", after), ("limit", limit), ("order", order)) if value is not None}
        response = self._send("GET", "/videos", params=params)
        return self._parse(response, lambda data: VideoPage.from_json(data, request_id=_request_id(response)))

    def list(self, *, after: str | None = None, limit: int | None = None, order: str | None = None) -> Iterator[Video]:
        """Every video, page after page: follows ``has_more`` with ``after=<last_id>``.

        ``limit`` is the page size. Stops if a server hands back a cursor it already gave (it would loop forever).
        """
        cursor = after
        seen = {after}
        while True:
            page = self.list_page(after=cursor, limit=limit, order=order)
            yield from page.data
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    def delete(self, video_id: str) -> DeletedVideo:
        """``DELETE /videos/{id}`` (completed or failed jobs only)."""
        response = self._send("DELETE", f"/videos/{_segment(video_id)}")
        return self._parse(response, lambda data: DeletedVideo.from_json(data, request_id=_request_id(response)))

    def remix(self, video_id: str, prompt: str) -> Video:
        """``POST /videos/{id}/remix`` with JSON ``{"prompt"}``: a new job. Never retried blindly."""
        response = self._send("POST", f"/videos/{_segment(video_id)}/remix", json_body={"prompt": prompt}, idempotent=False)
        return self._video(response, idempotent=False)

    def edit(self, video_id: str, prompt: str) -> Video:
        """``POST /videos/edits`` with JSON ``{"prompt", "video": {"id"}}`` (remix's successor; contract 3.7): a new
        job changing one thing of a completed video. Never retried blindly."""
        body = {"prompt": prompt, "video": {"id": video_id}}
        response = self._send("POST", "/videos/edits", json_body=body, idempotent=False)
        return self._video(response, idempotent=False)

    def extend(self, video_id: str, prompt: str, seconds: str | int) -> Video:
        """``POST /videos/extensions`` with JSON ``{"prompt", "seconds", "video": {"id"}}``: a new job continuing a
        completed video by ``seconds``; its own ``seconds`` is the stitched total (contract 3.7)."""
        body = {"prompt": prompt, "seconds": str(seconds), "video": {"id": video_id}}
        response = self._send("POST", "/videos/extensions", json_body=body, idempotent=False)
        return self._video(response, idempotent=False)

    def create_character(
        self, name: str, clip: bytes | BinaryIO, *, filename: str = "character.mp4", content_type: str = "video/mp4"
    ) -> Character:
        """``POST /videos/characters`` (contract 3.7): multipart ``name`` (1..80 characters) and ``video`` (an MP4
        clip, best 2-4 s, 16:9 or 9:16, 720p-1080p). Returns the character (``char_...``), which a create then
        references. Characters cost no video seconds; still never retried blindly (a second upstream character
        would be harmless but useless)."""
        data = clip if isinstance(clip, bytes | bytearray | memoryview) else clip.read()
        response = self._send(
            "POST", "/videos/characters", data={"name": name}, files={"video": (filename, bytes(data), content_type)},
            idempotent=False,
        )  # fmt: skip
        return self._parse(
            response, lambda body: Character.from_json(body, request_id=_request_id(response)), idempotent=False
        )

    def retrieve_character(self, character_id: str) -> Character:
        """``GET /videos/characters/{id}``: a character made before (there is no list or delete for characters)."""
        response = self._send("GET", f"/videos/characters/{_segment(character_id)}")
        return self._parse(response, lambda body: Character.from_json(body, request_id=_request_id(response)))

    def download(
        self,
        video_id: str,
        dest: Writable,
        *,
        variant: str = "video",
        chunk_size: int = DOWNLOAD_CHUNK_SIZE,
        max_bytes: int | None = None,
        max_seconds: float | None = None,
    ) -> Download:
        """``GET /videos/{id}/content?variant=...``, streamed chunk by chunk into ``dest``.

        Returns the byte count and SHA-256 of what was written. A failure before the first byte is retried like
        any GET; a failure mid-stream raises a retryable ``SoraError`` (``dest`` then holds a partial file: start
        again with a fresh one). More than ``max_bytes`` (default: the variant's limit) is a permanent error, a
        stream still running after ``max_seconds`` (default: none) a retryable one.
        """
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        limit = self.max_download_bytes[variant] if max_bytes is None else int(max_bytes)
        path = f"/videos/{_segment(video_id)}/content"
        progress = _Progress()
        response = self._send("GET", path, params={"variant": variant}, accept=BINARY, stream=True)
        total = _int_header(response, "content-length") if "content-encoding" not in response.headers else None
        try:
            while True:
                try:
                    return self._stream_into(
                        response, dest, variant=variant, chunk_size=chunk_size, limit=limit, max_seconds=max_seconds,
                        progress=progress, total=total,
                    )  # fmt: skip
                except _Interrupted as cut:
                    # A connection cut mid-file: ask for the rest (HTTP range) and go on writing, in this same call,
                    # when the server can answer ranges (or for the whole file again when nothing was written yet);
                    # otherwise the caller starts again with a fresh file.
                    if progress.resumes >= MAX_RESUMES or (total is None and progress.count):
                        raise cut.error from None
                    response.close()
                    progress.resumes += 1
                    logger.info("sora GET %s: resuming the %s at byte %d", path, variant, progress.count)
                    ranged = {"Range": f"bytes={progress.count}-"} if progress.count else None
                    response = self._send(
                        "GET", path, params={"variant": variant}, accept=BINARY, stream=True, extra_headers=ranged
                    )
                    if not progress.count:
                        total = _int_header(response, "content-length")
                        if "content-encoding" in response.headers:
                            total = None
                    elif response.status_code != 206 or _range_start(response) != progress.count:
                        raise cut.error from None  # the server sent the whole file again: cannot go on in place
        finally:
            response.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str | None, bytes, str]] | None = None,
        accept: str = JSON,
        max_bytes: int = ERROR_BODY_LIMIT,
    ) -> RawAnswer:
        """One request, sent once (no retry), whatever the answer: for studying a server (the conformance probe).

        ``path`` is relative to the base URL. Any HTTP status comes back as a ``RawAnswer`` with at most
        ``max_bytes`` of body (the key redacted); a transport failure or a refused redirect raises ``SoraError``.
        """
        try:
            response = self._attempt(
                method, self.base_url + path, params=params, json_body=json_body, data=data, files=files,
                accept=accept, stream=True,
            )  # fmt: skip
            failure = None
        except requests.RequestException as exc:
            failure = self._transport_error(exc, method=method, path=path, idempotent=method == "GET")
        if failure is not None:
            raise failure
        try:
            body, truncated = _read_capped(response, max_bytes)
        except requests.RequestException as exc:
            raise SoraError(
                f"{method} {path}: the answer broke off ({type(exc).__name__})", status=response.status_code,
                retryable=True,
            ) from None  # fmt: skip
        finally:
            response.close()
        return RawAnswer(
            status=response.status_code,
            reason=_reason(response),
            headers={name.lower(): self._redact(value) for name, value in response.headers.items()},
            body=body.replace(self._api_key.encode(), REDACTED.encode()),
            truncated=truncated,
        )

    # -----------------------------------------------------------------------------------------------------------
    # Parsing at the edge
    # -----------------------------------------------------------------------------------------------------------
    def _video(self, response: requests.Response, *, idempotent: bool = True) -> Video:
        poll_after_ms = _int_header(response, "openai-poll-after-ms")
        request_id = _request_id(response)
        status = response.status_code
        return self._parse(
            response,
            lambda data: Video.from_json(data, poll_after_ms=poll_after_ms, request_id=request_id, http_status=status),
            idempotent=idempotent,
        )

    def _parse(self, response: requests.Response, parser: Callable[[Any], T], *, idempotent: bool = True) -> T:
        def unreadable(message: str) -> SoraError:
            # A 2xx we cannot read. After a create/remix the job exists upstream but we lack its id.
            return SoraError(
                message,
                status=response.status_code,
                retryable=False,
                request_id=_request_id(response),
                maybe_created=not idempotent,
            )

        try:
            body, truncated = _consume(response, JSON_BODY_LIMIT)
        except requests.RequestException as exc:
            raise unreadable(f"the answer broke off ({type(exc).__name__})") from None
        if truncated:
            raise unreadable(f"the server's answer is larger than {_human_bytes(JSON_BODY_LIMIT)}")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise unreadable(_not_json(response, body)) from None
        try:
            return parser(data)
        except (ValueError, TypeError, KeyError) as exc:
            raise unreadable(f"unexpected response body: {_shorten(self._redact(str(exc)), 200)}") from None

    def _failed_job(self, response: requests.Response, body: bytes) -> bool:
        """Whether an error answer's body is a video job that failed (vLLM-Omni answers a failed job's retrieve
        with 500 or 400 and the job as the body)."""
        try:
            video = Video.from_json(json.loads(body))
        except (ValueError, TypeError, KeyError, RecursionError):
            return False
        return video.looks_failed

    def _stream_into(
        self,
        response: requests.Response,
        dest: Writable,
        *,
        variant: str,
        chunk_size: int,
        limit: int,
        max_seconds: float | None,
        progress: _Progress | None = None,
        total: int | None = None,
    ) -> Download:
        """Write the body into ``dest``, counting and hashing on into ``progress`` (a resumed download carries on
        from where the last part stopped). ``total``: the whole file's size, when the first answer said it."""
        progress = progress or _Progress()

        def too_large(size: str) -> SoraError:
            return SoraError(
                f"the {variant} is {size}, more than the {_human_bytes(limit)} the studio accepts "
                f"({'SORA_MAX_DOWNLOAD_BYTES' if variant == 'video' else 'SORA_MAX_IMAGE_BYTES'})",
                status=response.status_code,
                retryable=False,
                request_id=_request_id(response),
            )

        announced = _int_header(response, "content-length")
        if announced is not None and "content-encoding" not in response.headers and announced > limit:
            raise too_large(_human_bytes(announced))
        started = time.monotonic()
        try:
            for chunk in response.iter_content(chunk_size=chunk_size):
                if chunk:
                    if progress.count + len(chunk) > limit:
                        raise too_large("larger")
                    dest.write(chunk)
                    progress.digest.update(chunk)
                    progress.count += len(chunk)
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    raise SoraError(
                        f"the {variant} download took longer than {max_seconds:g} s (stopped after {progress.count} "
                        "bytes)",
                        status=response.status_code,
                        retryable=True,
                        request_id=_request_id(response),
                    )
        except requests.RequestException as exc:
            raise _Interrupted(SoraError(
                f"download interrupted after {progress.count} bytes: {type(exc).__name__}",
                status=response.status_code,
                retryable=True,
                request_id=_request_id(response),
            )) from None  # fmt: skip
        expected = total if total is not None else announced
        if expected is not None and "content-encoding" not in response.headers and expected != progress.count:
            raise _Interrupted(SoraError(
                f"download truncated: got {progress.count} of {expected} bytes",
                status=response.status_code,
                retryable=True,
                request_id=_request_id(response),
            ))  # fmt: skip
        count, digest = progress.count, progress.digest
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        return Download(
            variant=variant,
            bytes=count,
            sha256=digest.hexdigest(),
            content_type=content_type,
            request_id=_request_id(response),
        )

    # -----------------------------------------------------------------------------------------------------------
    # Transport: one attempt, redirects, retries
    # -----------------------------------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        accept: str = JSON,
        stream: bool = False,
        idempotent: bool = True,
        failed_job_ok: bool = False,
        extra_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one call with retries; return a 2xx response or raise ``SoraError``.

        ``failed_job_ok``: a non-2xx answer whose body is a failed video job is returned too (read, not retried).
        """
        url = self.base_url + path
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            is_last = attempt == attempts - 1
            failure: SoraError | None = None
            try:
                response = self._attempt(
                    method, url, params=params, json_body=json_body, data=data, files=files, accept=accept,
                    stream=stream, extra_headers=extra_headers,
                )  # fmt: skip
            except requests.RequestException as exc:
                failure = self._transport_error(exc, method=method, path=path, idempotent=idempotent)
                logger.warning(
                    "sora %s %s failed: %s (attempt %d/%d)", method, path, type(exc).__name__, attempt + 1, attempts
                )
            if failure is not None:
                # Raised outside the except block: the requests exception (whose .request holds the Authorization
                # header) must not ride along as __context__ into error reports.
                if not failure.retryable or failure.maybe_created or is_last:
                    raise failure
                self._pause(self._backoff(attempt), method=method, path=path)
                continue

            request_id = _request_id(response)
            if 200 <= response.status_code < 300:
                logger.debug(
                    "sora %s %s -> %d (attempt %d/%d, request id %s)",
                    method, path, response.status_code, attempt + 1, attempts, request_id,
                )  # fmt: skip
                return response

            logger.warning(
                "sora %s %s -> %d (attempt %d/%d, request id %s)",
                method, path, response.status_code, attempt + 1, attempts, request_id,
            )  # fmt: skip
            hint = _retry_after(response)
            body = _error_body(response)
            if failed_job_ok and self._failed_job(response, body):
                return response
            error = self._response_error(response, body, method=method, retry_after=hint)
            if not idempotent and response.status_code in MAYBE_PROCESSED:
                # A create that failed inside the server may still have made the (paid) job: never POST it again
                # blindly; the caller reconciles by listing first (contract section 6, ECOSYSTEM 7.2).
                error.maybe_created = True
                raise error
            if not error.retryable or is_last or (hint is not None and hint > MAX_RETRY_AFTER):
                raise error
            delay = hint if hint is not None and 0 < hint <= MAX_RETRY_AFTER else self._backoff(attempt)
            self._pause(delay, method=method, path=path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: Any,
        data: Mapping[str, str] | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        accept: str,
        stream: bool,
        extra_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One request; a GET follows redirects itself, only to the base URL's origin."""
        headers = {**self._headers(accept), **(extra_headers or {})}
        for _ in range(MAX_REDIRECTS + 1):
            self.calls += 1
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                # Always streamed: a body is read by the caller, with a cap (never a whole 10 GB answer).
                stream=True,
            )
            if method != "GET" or not response.is_redirect:
                return response
            target = urljoin(url, response.headers["location"])
            response.close()
            if not self._same_origin(target):
                # A server may hand file content to a CDN or object store (as `curl -L` follows): allowed for
                # downloads only, over https only, and without our Authorization header. Anything else could
                # point the worker at an internal address (SSRF).
                if accept != BINARY or urlsplit(target).scheme != "https":
                    raise SoraError(
                        f"refused a redirect to another host ({urlsplit(target).hostname})",
                        status=response.status_code,
                        retryable=False,
                        request_id=_request_id(response),
                    )
                headers = {key: value for key, value in headers.items() if key != "Authorization"}
            url, params = target, None  # the Location carries its own query
        raise SoraError(
            f"{method} {urlsplit(url).path}: too many redirects (more than {MAX_REDIRECTS}); is the base URL right?",
            retryable=False,
        )

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._api_key}", "User-Agent": USER_AGENT, "Accept": accept}
        if accept == BINARY:
            # Count and hash the file's own bytes, not a compressed transfer encoding.
            headers["Accept-Encoding"] = "identity"
        return headers

    def _same_origin(self, url: str) -> bool:
        return _origin(url) == _origin(self.base_url)

    def _backoff(self, retries_done: int) -> float:
        """min(0.5 * 2^n, 8) s, less up to 25 % jitter."""
        delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_done, 32), MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * self.random())

    def _pause(self, delay: float, *, method: str, path: str) -> None:
        logger.info("sora %s %s: retrying in %.2f s", method, path, delay)
        self.sleep(delay)

    # -----------------------------------------------------------------------------------------------------------
    # Errors
    # -----------------------------------------------------------------------------------------------------------
    def _transport_error(self, exc: requests.RequestException, *, method: str, path: str, idempotent: bool) -> SoraError:
        transient = isinstance(exc, requests.Timeout | requests.ConnectionError | requests.exceptions.ChunkedEncodingError)
        # A create/remix whose request may have reached the server must be reconciled, not re-sent.
        maybe_created = transient and not idempotent and not _certainly_not_sent(exc)
        detail = self._redact(str(exc))[:300]
        return SoraError(
            f"{method} {path} failed: {type(exc).__name__}: {detail}",
            retryable=transient,
            maybe_created=maybe_created,
        )

    def _response_error(
        self, response: requests.Response, body: bytes, *, method: str, retry_after: float | None
    ) -> SoraError:
        # Everything the server sent back is redacted: it may echo the key in any field.
        status = response.status_code
        status_line = f"{status} {_reason(response)}".strip()
        raw = _error_fields(body, response.headers.get("content-type", ""), status, _reason(response))
        fields = {key: self._redact(value) for key, value in raw.items() if value is not None}
        message = fields.get("message") or status_line
        if 300 <= status < 400:
            message = f"{status_line} (a redirect, not followed for {method})"
        return SoraError(
            _shorten(message, MESSAGE_LIMIT),
            status=status,
            type=_shorten(fields["type"], 100) if "type" in fields else None,
            code=_shorten(fields["code"], 100) if "code" in fields else None,
            param=_shorten(fields["param"], 100) if "param" in fields else None,
            retryable=_retryable_status(response),
            request_id=_request_id(response),
            retry_after=retry_after if retry_after is not None and retry_after > 0 else None,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, REDACTED)


def get_client() -> SoraClient:
    """A client configured from settings, read now (tests override them).

    The key is ``OPENAI_API_KEY``, or the simulator's own key when that is empty; the base URL defaults to the
    built-in simulator when no provider key is set (see ``config/settings.py``).
    """
    from django.conf import settings

    return SoraClient(
        api_key=settings.OPENAI_API_KEY or settings.SIMULATOR_API_KEY,
        base_url=settings.OPENAI_BASE_URL,
        timeout=(settings.SORA_TIMEOUT_CONNECT, settings.SORA_TIMEOUT_READ),
        max_retries=settings.SORA_MAX_RETRIES,
    )


def error_message(answer: RawAnswer, limit: int = MESSAGE_LIMIT) -> str:
    """What an error answer says, read as ``SoraError.message`` is (never HTML, at most ``limit`` characters).
    The key was already redacted from a ``RawAnswer``."""
    fields = _error_fields(answer.body, answer.headers.get("content-type", ""), answer.status, answer.reason)
    return _shorten(fields["message"] or f"{answer.status} {answer.reason}".strip(), limit)


MAX_RESUMES = 3  # a cut download is continued from where it stopped at most this often, in the same call


class _Progress:
    """How far a download got: bytes written, their running SHA-256, and how often it was resumed."""

    def __init__(self) -> None:
        self.count = 0
        self.digest = hashlib.sha256()
        self.resumes = 0


class _Interrupted(Exception):
    """A download cut short after some bytes were written: resumable with a range (carries the error to raise)."""

    def __init__(self, error: SoraError) -> None:
        super().__init__(error.message)
        self.error = error


def _range_start(response: requests.Response) -> int | None:
    """The first byte a 206 answer holds (``Content-Range: bytes START-END/TOTAL``)."""
    match = re.match(r"^\s*bytes\s+(\d+)-", response.headers.get("content-range", ""))
    return int(match.group(1)) if match else None


def download_limits() -> dict[str, int]:
    """The largest download per variant: ``SORA_MAX_DOWNLOAD_BYTES`` (video) and ``SORA_MAX_IMAGE_BYTES``
    (thumbnail, spritesheet) from settings when Django is configured, else 2 GiB and 20 MiB."""
    video, image = DEFAULT_MAX_VIDEO_BYTES, DEFAULT_MAX_IMAGE_BYTES
    try:
        from django.conf import settings

        if settings.configured:
            video = int(getattr(settings, "SORA_MAX_DOWNLOAD_BYTES", video))
            image = int(getattr(settings, "SORA_MAX_IMAGE_BYTES", image))
    except ImportError:  # pragma: no cover - the client outside the studio
        pass
    return {"video": video, "thumbnail": image, "spritesheet": image}


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def _segment(video_id: str) -> str:
    """A video id as one URL path segment ("../x" cannot climb out of /videos/)."""
    if not video_id:
        raise ValueError("video_id is required")
    return quote(video_id, safe="")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _request_id(response: requests.Response) -> str | None:
    return response.headers.get("x-request-id")


def _int_header(response: requests.Response, name: str) -> int | None:
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _retry_after(response: requests.Response) -> float | None:
    """The server's wait hint in seconds: ``retry-after-ms``, then ``retry-after`` (seconds or an HTTP date)."""
    headers = response.headers
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if not math.isnan(value):
            return value / divisor
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        return float(email.utils.mktime_tz(parsed) - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _retryable_status(response: requests.Response) -> bool:
    """``x-should-retry`` when the server says, else 408, 409, 429 and 5xx."""
    should_retry = response.headers.get("x-should-retry", "").strip().lower()
    if should_retry in ("true", "false"):
        return should_retry == "true"
    status = response.status_code
    return status in (408, 409, 429) or status >= 500


def _certainly_not_sent(exc: requests.RequestException) -> bool:
    """True when no byte of the request reached the server: the connection itself never came up."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.exceptions.SSLError):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NewConnectionError (refused, DNS failure) is a subclass of ConnectTimeoutError in urllib3 2.
    return isinstance(reason, ConnectTimeoutError)


def _reason(response: requests.Response) -> str:
    """The status line's reason, or the standard phrase when the server sent none."""
    if response.reason:
        return str(response.reason)
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _read_capped(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of a streamed body, and whether there was more (never reads much past the cap)."""
    buffer = bytearray()
    for chunk in response.iter_content(chunk_size=min(64 * 1024, limit + 1)):
        buffer += chunk
        if len(buffer) > limit:
            return bytes(buffer[:limit]), True
    return bytes(buffer), False


def _consume(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """Read a streamed body once, with a cap, and close the response; later ``.content`` gives the same bytes."""
    if response._content_consumed and isinstance(response._content, bytes):  # already read (an error answer)
        return response._content, False
    try:
        body, truncated = _read_capped(response, limit)
    finally:
        response.close()
    response._content, response._content_consumed = body, True
    return body, truncated


def _error_body(response: requests.Response) -> bytes:
    """At most ERROR_BODY_LIMIT bytes of an error response, which is then closed."""
    try:
        return _consume(response, ERROR_BODY_LIMIT)[0]
    except requests.RequestException:
        return b""


def _is_html(content_type: str, text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype", "<html", "<head", "<body", "<?xml"))


def _not_json(response: requests.Response, body: bytes) -> str:
    """Why a 2xx body could not be read, without echoing it."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    text = body.decode("utf-8", "replace")
    if _is_html(content_type, text):
        return f"the server answered HTML (status {response.status_code}), not JSON: is the base URL right?"
    if not body.strip():
        return f"the server answered an empty body (status {response.status_code}) where JSON was expected"
    return f"the server answered something that is not JSON (status {response.status_code}, {content_type})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters; a longer text loses its middle (both ends say the most)."""
    text = _one_line(text)
    if len(text) <= limit:
        return text
    keep = limit - 5
    return f"{text[: keep - keep // 3]} […] {text[len(text) - keep // 3 :]}"


def _human_bytes(count: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)


def _detail_fields(detail: Any) -> dict[str, str | None]:
    """FastAPI's ``{"detail": "..."}`` or its validation list ``[{"loc": [...], "msg": ...}, ...]``."""
    if not isinstance(detail, list):
        return {"message": _text(detail)}
    parts, param = [], None
    for item in detail[:10]:
        if not isinstance(item, dict):
            continue
        loc = [str(part) for part in item.get("loc") or [] if part not in ("body", "query", "path", "header")]
        if loc and param is None:
            param = loc[-1]
        parts.append(f"{'.'.join(loc)}: {item.get('msg')}" if loc else str(item.get("msg")))
    return {"message": "; ".join(parts) or None, "param": param}


def _fields_of(payload: Any) -> dict[str, str | None]:
    """message/type/param/code of a JSON error body in any of the shapes servers use; {} when none fits."""
    if not isinstance(payload, dict):
        return {}
    error = payload.get("error")
    if isinstance(error, dict):  # OpenAI's envelope (vLLM's has an integer code; LiteLLM's wraps the upstream's)
        return {key: _text(error.get(key)) for key in ("message", "type", "param", "code")}
    if isinstance(error, str) and error:
        return {"message": error}
    if "detail" in payload:  # FastAPI (SGLang, vLLM-Omni's own routes, LiteLLM's 405)
        return _detail_fields(payload["detail"])
    if "message" in payload:  # new-api's dto.TaskError {"code", "message", "data"}, and many others
        return {"message": _text(payload.get("message")), "code": _text(payload.get("code"))}
    return {}


# "litellm.BadRequestError: OpenAIException - {upstream body}\n\nLiteLLM: model group ..." and new-api's relay
# putting the upstream's whole JSON body in its message: the upstream's own message is the useful part.
_WRAPPED = re.compile(r"(?:^|Exception - )(?=[{\[])")


def _inner_message(message: str, depth: int = 0) -> str:
    if depth > 3:
        return message
    for match in _WRAPPED.finditer(message):
        try:
            inner, _ = json.JSONDecoder().raw_decode(message, match.end())
        except (ValueError, RecursionError):
            continue
        found = _fields_of(inner).get("message")
        if found:
            return _inner_message(found, depth + 1)
    return message


def _error_fields(body: bytes, content_type: str, status: int, reason: str) -> dict[str, str | None]:
    """What an error answer says, as message/type/param/code strings (message always set, never HTML).

    The status line stands in for a body that says nothing more: HTML, an empty or cut-off body, or a message that
    only repeats the reason ("Method Not Allowed" reads "405 Method Not Allowed")."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    status_line = f"{status} {reason}".strip()

    def says_nothing(message: str) -> bool:
        line = _one_line(message).lower()
        return not line or line in (reason.lower(), phrase.lower())

    def plain(message: str) -> str:
        if says_nothing(message):
            return f"{status} {phrase or reason}".strip() if _one_line(message) else status_line
        return message

    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    if payload is None:
        cut_off = len(body) >= ERROR_BODY_LIMIT or text.lstrip().startswith(("{", "["))
        if cut_off or _is_html(content_type, text):
            return {"message": status_line}
        return {"message": plain(text)}
    fields = _fields_of(payload)
    message = _inner_message(fields.get("message") or "")
    if _is_html("", message):
        message = ""
    return {**fields, "message": plain(message)}
