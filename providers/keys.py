"""Which environment variables may hold a provider's key.

A provider names the variable that holds its key; the studio reads it and sends it to the provider's base URL. So
the name must be one the operator allowed for providers, never a setting of the studio itself (SECRET_KEY,
DATABASE_URL, ...): otherwise whoever may edit a provider could have the studio send that secret anywhere.
"""

from __future__ import annotations

import re

from django.conf import settings

VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
# Never a provider key, whatever the allow-list says: the studio's own secrets and connection strings.
NEVER = frozenset({
    "SECRET_KEY", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "S3_SECRET_ACCESS_KEY", "S3_ACCESS_KEY_ID",
    "EMAIL_HOST_PASSWORD", "SIMULATOR_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN",
})  # fmt: skip


def allowed(name: str) -> bool:
    if name in NEVER or not VARIABLE_NAME.match(name):
        return False
    if name in settings.PROVIDER_KEY_VARIABLES:
        return True
    return any(name.startswith(prefix) for prefix in settings.PROVIDER_KEY_PREFIXES)


def check_key_variable(name: str) -> str:
    """'' when `name` may hold a provider key, else why not (for the admin, the command and the pipeline)."""
    if not VARIABLE_NAME.match(name or ""):
        return f"“{name}” is not an environment variable name (capital letters, digits and _)."
    if allowed(name):
        return ""
    prefixes = ", ".join(f"{p}…" for p in settings.PROVIDER_KEY_PREFIXES)
    names = ", ".join(settings.PROVIDER_KEY_VARIABLES)
    return (
        f"{name} is not a variable this studio allows for provider keys (allowed: {prefixes}"
        f"{'; ' + names if names else ''}; set PROVIDER_KEY_PREFIXES or PROVIDER_KEY_VARIABLES to change that)."
    )
