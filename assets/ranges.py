"""Single byte-range answers for archived files (RFC 9110 §14): Safari/iOS play MP4 only from 206 responses, and
every browser seeks with ``Range:``.

Django's FileResponse ignores ``Range:`` and the libraries that add it are small and unmaintained, so this is the few
lines we need: one range (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) → 206; a range that starts past the end → 416;
several ranges, another unit, a malformed header or an ``If-Range`` (we send no validators to compare it with) → the
whole file with 200, as the RFC allows. Works on any seekable file object with a ``size`` (FileSystemStorage's File,
django-storages' S3File).
"""

from __future__ import annotations

import re
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse

_SPEC = re.compile(r"^\s*(\d{0,18})\s*-\s*(\d{0,18})\s*$")  # 18 digits: beyond any file, and int() stays cheap


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions, inclusive, of a single range within `size` bytes; None to send the whole
    file. Raises RangeNotSatisfiable for a range that selects nothing."""
    if not header:
        return None
    unit, eq, spec = header.partition("=")
    if not eq or unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _SPEC.match(spec)
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start, end = int(first), int(last) if last else size - 1
        if last and end < start:
            return None  # syntactically invalid: ignore the header
        if start >= size:
            raise RangeNotSatisfiable
        return start, min(end, size - 1)
    if not last:
        return None  # "bytes=-"
    length = int(last)
    if length == 0 or size == 0:
        raise RangeNotSatisfiable
    return max(size - length, 0), size - 1


class FileSlice:
    """`length` bytes of `file` from `start`, read in the caller's chunks. No fileno(): a WSGI server must not
    sendfile() the whole file instead of the slice."""

    def __init__(self, file: IO[bytes], start: int, length: int) -> None:
        self.file, self.remaining = file, length
        file.seek(start)

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.file.read(want)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def ranged_file_response(
    request: HttpRequest, file, *, content_type: str, as_attachment: bool, filename: str
) -> HttpResponse:
    """A FileResponse for `file` (opened "rb"), or its one asked range (206), or 416; all say Accept-Ranges."""
    size = file.size
    header = None if "If-Range" in request.headers else request.headers.get("Range")
    try:
        span = parse_range(header, size)
    except RangeNotSatisfiable:
        file.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        body = file if span is None else FileSlice(file, span[0], span[1] - span[0] + 1)
        response = FileResponse(body, content_type=content_type, as_attachment=as_attachment, filename=filename)
        if span is not None:
            response.status_code = 206
            response["Content-Range"] = f"bytes {span[0]}-{span[1]}/{size}"
            response["Content-Length"] = str(span[1] - span[0] + 1)
    response["Accept-Ranges"] = "bytes"
    return response
