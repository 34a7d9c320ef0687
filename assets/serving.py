"""Serving a stored file after the caller's access check.

- Local storage: from disk, with byte ranges (assets/ranges.py).
- S3 (``S3_SERVE=redirect``, the default): a redirect to a signed GET URL that lives ``S3_URL_EXPIRE`` seconds and
  names the type and, for a download, ``Content-Disposition: attachment``. The browser then asks the bucket itself,
  ranges included (S3 answers ``Range:`` with 206), so a video plays and seeks without passing through Django.
  The bucket must be reachable by browsers at ``S3_PUBLIC_ENDPOINT_URL`` (default: ``S3_ENDPOINT_URL``).
- S3 (``S3_SERVE=proxy``): for a bucket browsers cannot reach, Django streams the object, or the one asked range of
  it, from one ranged GET: never the whole object first, never more than a chunk in memory.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

from assets.models import Asset
from assets.ranges import RangeNotSatisfiable, parse_range, ranged_file_response


def serve(request: HttpRequest, asset: Asset, *, filename: str, as_attachment: bool = False) -> HttpResponse:
    storage = default_storage
    if not isinstance(storage, FileSystemStorage) and hasattr(storage, "iter_range"):
        if getattr(settings, "S3_SERVE", "redirect") == "proxy":
            return _proxy(request, storage, asset, filename=filename, as_attachment=as_attachment)
        return _redirect(storage, asset, filename=filename, as_attachment=as_attachment)
    if not isinstance(storage, FileSystemStorage) and getattr(storage, "querystring_auth", False):
        return _redirect(storage, asset, filename=filename, as_attachment=as_attachment)
    try:
        handle = asset.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file is missing from the studio's storage.") from None
    response = ranged_file_response(
        request, handle, content_type=asset.content_type, as_attachment=as_attachment, filename=filename
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _redirect(storage, asset: Asset, *, filename: str, as_attachment: bool) -> HttpResponse:
    params = {
        "ResponseContentType": asset.content_type,
        "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
    }
    expire = getattr(settings, "S3_URL_EXPIRE", 300)
    if hasattr(storage, "browser_url"):
        url = storage.browser_url(asset.file.name, parameters=params, expire=expire)
    else:
        url = storage.url(asset.file.name, parameters=params, expire=expire)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"  # the signed URL is for this member, for a few minutes
    return response


def _proxy(request: HttpRequest, storage, asset: Asset, *, filename: str, as_attachment: bool) -> HttpResponse:
    try:
        size = storage.size(asset.file.name)
    except FileNotFoundError:
        raise Http404("This file is missing from the studio's storage.") from None
    header = None if "If-Range" in request.headers else request.headers.get("Range")
    try:
        span = parse_range(header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = span if span is not None else (0, size - 1)
    body = storage.iter_range(asset.file.name, first, last) if size else iter(())
    response = StreamingHttpResponse(body, content_type=asset.content_type, status=206 if span else 200)
    response["Content-Length"] = str(last - first + 1 if size else 0)
    if span is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Cache-Control"] = "private, max-age=3600"
    return response
