"""What the studio accepts from a request: text it can store, and uploads of a bounded size.

PostgreSQL refuses a NUL character (U+0000) in text, and neither database (nor UTF-8) takes a lone surrogate
(U+D800 to U+DFFF: it arrives in a query string or a multipart body that the request says is in a charset such as
utf-7, which Django then decodes with). Either used to surface as a 500 from deep inside a query or a template.
Three layers keep them out:

- `validate_storable_text`, and `StorableTextMixin` which puts it on every text field of a form: an error on the
  field. The forms are the way in for scripts and any future API too, so they check whatever the pages do.
- `InputGuardMiddleware`: on every page (Django's login, password reset and admin pages included) a NUL or a
  surrogate in the path, a query or form name or value, or a header is answered with a
  400 page that says where it was and what to do, before any view or query runs; a cookie carrying one is ignored,
  as if it had not been sent. Machine endpoints (csrf_exempt views: the provider webhooks, the simulator's API)
  check their own input and answer in their own format, so it leaves them alone.
- `CappedUploadHandler` (the middleware puts it first for the pages): an uploaded file is kept up to
  UPLOAD_MAX_BYTES by Django's own handlers (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, else in a temporary
  file); the rest is read and dropped, and the form gets an empty `OversizedUpload` of the true size, which it
  refuses by size before anything else looks at it.
"""

from __future__ import annotations

import io
import logging
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.errors import _back_url

log = logging.getLogger(__name__)

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # settings.UPLOAD_MAX_BYTES overrides; videos.images.MAX_BYTES is the same
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# --- text --------------------------------------------------------------------------------------------------------


def unstorable(text: str) -> str:
    """What in `text` no database can store, said for a person ("a NUL character (U+0000)"); "" when all is well."""
    found = UNSTORABLE.search(text)
    if found is None:
        return ""
    if found.group() == "\x00":
        return "a NUL character (U+0000)"
    return f"a lone surrogate (U+{ord(found.group()):04X}, not valid Unicode text)"


def validate_storable_text(value: object) -> None:
    """A form field validator: refuses a NUL character or a lone surrogate, naming it."""
    if isinstance(value, str) and (what := unstorable(value)):
        raise ValidationError(
            f"This text contains {what}, which the studio cannot store. Remove it (it usually comes with text "
            "pasted from a file or another program) and send again.",
            code="unstorable",
        )


class StorableTextMixin:
    """Put first in a form's bases: every text field refuses NUL and lone surrogates with a clear error.

    It replaces Django's own NUL check ("Null characters are not allowed.") so one message covers both."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators = [
                    v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
                ] + [validate_storable_text]


# --- uploads -----------------------------------------------------------------------------------------------------


def upload_max_bytes() -> int:
    return getattr(settings, "UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES)


class OversizedUpload(UploadedFile):
    """An uploaded file that was larger than the cap: its name and true size, none of its bytes."""

    def __init__(self, name: str, content_type: str, size: int, max_bytes: int, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)
        self.max_bytes = max_bytes


class CappedUploadHandler(FileUploadHandler):
    """First of the upload handlers: passes each file's bytes on to Django's handlers up to the cap, and no further.

    Past the cap a file's bytes are read from the request (as they must be, to reach the fields after it) and
    dropped: no memory, no disk. The form then gets an OversizedUpload in its place."""

    def __init__(self, request: HttpRequest | None = None, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = upload_max_bytes() if max_bytes is None else max_bytes
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= self.max_bytes else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received <= self.max_bytes:
            return None  # Django's handlers have it all
        return OversizedUpload(
            self.file_name, self.content_type, file_size, self.max_bytes, self.charset, self.content_type_extra
        )


def upload_cap(max_bytes):
    """A view decorator: this view's uploads are capped at `max_bytes()` (a callable, read per request, so settings
    can change) instead of UPLOAD_MAX_BYTES, by the same handler, while the body streams in."""

    def decorate(view):
        view.upload_max_bytes = max_bytes
        return view

    return decorate


# --- the middleware ----------------------------------------------------------------------------------------------


def _header_name(meta_key: str) -> str:
    return meta_key.removeprefix("HTTP_").replace("_", "-").title()


def _find_unstorable(request: HttpRequest) -> tuple[str, str] | None:
    """(where, what) of the first NUL or lone surrogate a page's request carries, else None. Reads the form body
    of a POST (as the CSRF check would next)."""
    if what := unstorable(request.path):
        return "the page's address", what
    sources = [("in the page's address", request.GET)]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(("in the form", request.POST))
    for place, data in sources:
        for name, values in data.lists():
            if what := unstorable(name):
                return f"a field name {place}", what
            for value in values:
                if what := unstorable(value):
                    return f"the field “{name[:40]}” {place}", what
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and (what := unstorable(value)):
            return f"the request header “{_header_name(key)}”", what
    return None


def _refuse(request: HttpRequest, where: str, what: str) -> HttpResponse:
    message = f"{where[0].upper()}{where[1:]} contains {what}, which the studio cannot store. Nothing was changed."
    log.info("Input refused: path=%s: %s", ascii(request.path), message)  # Django logs the 400 itself
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JsonResponse({"error": message}, status=400)
    ctx = {"message": message, "back_url": _back_url(request), "page": "error"}
    return render(request, "400_input.html", ctx, status=400)


class InputGuardMiddleware:
    """Keeps what no database can store away from the studio's views (see the module's docstring).

    Goes before SessionMiddleware (so a session cookie carrying a NUL is ignored before the session is looked up)
    and before CsrfViewMiddleware (so its upload handler is in place before the form body is read)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [n for n, value in request.COOKIES.items() if unstorable(n) or unstorable(value)]:
            del request.COOKIES[name]
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if getattr(view_func, "csrf_exempt", False):
            return None  # a machine endpoint: it checks its own input and answers in its own format
        cap = getattr(view_func, "upload_max_bytes", None)
        request.upload_handlers.insert(0, CappedUploadHandler(request, cap() if cap is not None else None))
        found = _find_unstorable(request)
        return _refuse(request, *found) if found else None
