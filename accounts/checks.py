"""Warnings about settings that leak secrets: mail printed to the log carries working password-reset links."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.checks import Tags, Warning, register

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
CONSOLE_EMAIL_WARNING = (
    "EMAIL_HOST is not set, so mail is printed to the log: password-reset links there are working tokens "
    "(anyone who reads the log can set that user's password). Set EMAIL_HOST to send mail instead."
)


def mail_goes_to_the_log() -> bool:
    return settings.EMAIL_BACKEND == CONSOLE_EMAIL


@register(Tags.security, deploy=True)
def check_console_email(app_configs, **kwargs) -> list[Warning]:
    """`manage.py check --deploy`: a production studio must not print reset links into its log."""
    if not mail_goes_to_the_log():
        return []
    return [Warning(CONSOLE_EMAIL_WARNING, hint="See README, Running in production.", id="studio.W001")]


WARNED = "STUDIO_CONSOLE_MAIL_WARNED"


def warn_at_start() -> None:
    """Said once at start, where an operator looks: the log the reset links would go to. Once per process tree:
    the web server's and the worker's own processes inherit the mark (runstudio starts them), so the log shows it
    once, not once per process."""
    if mail_goes_to_the_log() and not os.environ.get(WARNED):
        logging.getLogger("accounts").warning(CONSOLE_EMAIL_WARNING)
        os.environ[WARNED] = "1"
