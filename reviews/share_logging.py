"""Keeping guest link tokens out of the web server's access log (issue #15, part 3).

A guest link's token is in its path (/g/<token>/), and gunicorn logs every request's path, Django every refused or
failed one. `GunicornLogger` (deploy/gunicorn.conf.py's `logger_class`) and `RedactGuestTokens` (on Django's
request loggers) write such paths with the token's first characters only, as the studio's pages show them. No
Django import: gunicorn's master loads this before the studio.
"""

from __future__ import annotations

import logging
import re

from gunicorn import glogging

# /g/ then a token (secrets.token_urlsafe: letters, digits, - and _): kept to its first 6 characters.
_GUEST_PATH = re.compile(r"/g/([A-Za-z0-9_-]{6})[A-Za-z0-9_-]{10,}")


def redact(text: str) -> str:
    return _GUEST_PATH.sub(r"/g/\1...", text)


class GunicornLogger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


class RedactGuestTokens(logging.Filter):
    """On Django's request loggers (django.request: a 4xx or 5xx with its path; django.server: runserver's request
    lines): a guest link's path with its token's first characters only. Added by the reviews app's ready()."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


REDACTED_LOGGERS = ("django.request", "django.server")


def install() -> None:
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactGuestTokens) for f in logger.filters):
            logger.addFilter(RedactGuestTokens())
