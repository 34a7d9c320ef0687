"""The studio's answer to a failed CSRF check, and one log line per 403 instead of a traceback."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def _back_url(request: HttpRequest) -> str:
    """The page the form was on (a same-site Referer), else the studio's front page."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        return referer
    return "/"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's security token is stale or missing. Nothing was done; say how to retry.

    The usual cause is harmless: the page was opened, then the user logged out and in again (here or in another
    tab), which renews the token. Forms marked data-keep-draft keep what was typed (static/js/forms.js), so going
    back to a fresh copy of the page and submitting again loses nothing.
    """
    ctx = {"back_url": _back_url(request), "no_cookie": reason == REASON_NO_CSRF_COOKIE, "page": "error"}
    return render(request, "403_csrf.html", ctx, status=403)


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) or "-"


class ForbiddenOneLine(logging.Filter):
    """Rewrites Django's records of a 403 (django.request, django.security.csrf) into one line: path, user, reason.

    Django logs a PermissionDenied with its whole traceback at WARNING; a 403 is an expected answer (a viewer
    trying to edit, a stale form), so the line says what was refused and why, and the traceback is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        if record.exc_info and record.exc_info[1] is not None:
            reason = str(record.exc_info[1]) or type(record.exc_info[1]).__name__
        elif record.name == "django.security.csrf" and record.args:
            reason = f"CSRF: {record.args[0]}"
        else:
            reason = "forbidden"
        user = getattr(request, "user", None)
        try:
            user_id = user.pk if user is not None and user.is_authenticated else None
        except Exception:  # the session could not be read: still log the line
            user_id = None
        record.msg = "Forbidden: path=%s user=%s reason=%s"
        record.args = (_one_line(getattr(request, "path", "?")), user_id if user_id is not None else "-", _one_line(reason))
        record.exc_info = None
        record.exc_text = None
        return True
