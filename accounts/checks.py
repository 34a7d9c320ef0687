"""Warnings about settings that leak secrets: mail printed to the log carries working password-reset links."""

from __future__ import annotations

import logging

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


def warn_at_start() -> None:
    """Said once per process at start, where an operator looks: the log the reset links would go to."""
    if mail_goes_to_the_log():
        logging.getLogger("accounts").warning(CONSOLE_EMAIL_WARNING)
