"""Serving a stored file after the caller's access check: from local storage with byte ranges, or, on storage that
signs URLs (S3), by a redirect to a short-lived signed URL."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from assets.models import Asset
from assets.ranges import ranged_file_response


def serve(request: HttpRequest, asset: Asset, *, filename: str, as_attachment: bool = False) -> HttpResponse:
    storage = default_storage
    if not isinstance(storage, FileSystemStorage) and getattr(storage, "querystring_auth", False):
        params = {"ResponseContentType": asset.content_type}
        if as_attachment:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        response: HttpResponse = HttpResponseRedirect(storage.url(asset.file.name, parameters=params))
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = asset.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file is missing from the studio's storage.") from None
    response = ranged_file_response(
        request, handle, content_type=asset.content_type, as_attachment=as_attachment, filename=filename
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
