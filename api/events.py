"""Where token events happen: one call point each, recorded in the audit log (`audit.services.record`).

Made, revoked and refused tokens are recorded. A token's ordinary use is not one entry per request (a polling
script would fill the log): the token's "last used" says when, and every write and download made with it is
recorded by its own service, with the token's label as where it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.actors import Actor, ActorKind, client_address
from audit import services as audit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from api.models import ApiToken


def _target(token: ApiToken) -> tuple[str, str, str]:
    return "api token", str(token.public_id), f"{token.name} ({token.display_prefix})"


def token_created(token: ApiToken, *, actor: Actor) -> None:
    """A token was made (settings page or `create_api_token`)."""
    audit.record(actor=actor, action="token.create", target=_target(token), project=token.project,
                 detail={"scope": token.scope, "expires_at": token.expires_at.isoformat() if token.expires_at else None})  # fmt: skip


def token_used(token: ApiToken, *, request: HttpRequest) -> None:
    """A request was authenticated with the token: not recorded itself (see the module's docstring)."""


def token_revoked(token: ApiToken, *, actor: Actor) -> None:
    """A token was revoked."""
    audit.record(actor=actor, action="token.revoke", target=_target(token), project=token.project)


def token_refused(token: ApiToken | None, *, request: HttpRequest, reason: str) -> None:
    """A request carried a token that was refused (missing, unknown, revoked, expired, user inactive, not a
    member). `token` is None when no row matched; a request with no token at all is not recorded, nor more than
    `ratelimit.REFUSALS_RECORDED` refusals per address and window."""
    from api import ratelimit

    if reason == "missing":
        return
    address = client_address(request)
    if not ratelimit.refusal_worth_recording(address):
        return
    if token is None:
        actor = Actor(ActorKind.TOKEN, None, "unknown token", address)
        audit.record(actor=actor, action="token.use", outcome=audit.REFUSED, reason=reason,
                     detail={"path": request.path[:200]})  # fmt: skip
        return
    actor = Actor(ActorKind.TOKEN, token.user, f"token {token.display_prefix}", address)
    audit.record(actor=actor, action="token.use", target=_target(token), project=token.project,
                 outcome=audit.REFUSED, reason=reason, detail={"path": request.path[:200]})  # fmt: skip
