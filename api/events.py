"""Where token events happen: one call point each, for the audit log.

These are no-ops on purpose: the audit log (app `audit/`, built on another branch) is wired to them by the lead
after merging. Every token event of the Team API goes through exactly these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.actors import Actor
    from api.models import ApiToken


def token_created(token: ApiToken, *, actor: Actor) -> None:
    """A token was made (settings page or `create_api_token`). Wired to audit by the lead."""


def token_used(token: ApiToken, *, request: HttpRequest) -> None:
    """A request was authenticated with the token (any /v1 call). Wired to audit by the lead."""


def token_revoked(token: ApiToken, *, actor: Actor) -> None:
    """A token was revoked. Wired to audit by the lead."""


def token_refused(token: ApiToken | None, *, request: HttpRequest, reason: str) -> None:
    """A request carried a token that was refused (unknown, revoked, expired, user inactive, not a member).
    `token` is None when no row matched. Wired to audit by the lead."""
