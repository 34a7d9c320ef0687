"""Who is calling the Team API: a personal token in `Authorization: Bearer`, checked in full on every request.

A token is refused (401, the contract's envelope) when it is missing or malformed, unknown, revoked or expired, or
when its user has been deactivated or is no longer a member of its project: membership is looked up on every
request, so removing someone disables their tokens at once. Sessions are never used here.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest
from django.utils import timezone

from accounts.access import membership_for
from accounts.actors import Actor, ActorKind, client_address
from api import events, services
from api.errors import ApiError
from api.models import ApiToken

NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer YOUR_KEY). Make a personal API token on your settings page in the studio."
)


def _refused(message: str, code: str) -> ApiError:
    return ApiError(401, message, type="invalid_request_error", code=code)


def authenticate(request: HttpRequest) -> ApiToken:
    """The request's token, its user and project loaded and its membership attached (`token.membership`, and
    `token.project.membership` for the services' role checks). Raises ApiError(401) otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        events.token_refused(None, request=request, reason="missing")
        raise _refused(NO_KEY, "missing_api_key")
    prefix = services.split_token(value)
    token = (
        ApiToken.objects.select_related("user", "project").filter(prefix=prefix).first() if prefix is not None else None
    )
    if token is None or not hmac.compare_digest(token.secret_hash, services.token_hash(value)):
        events.token_refused(None, request=request, reason="invalid")
        raise _refused("Incorrect API key provided. Make a personal API token on your settings page.", "invalid_api_key")
    now = timezone.now()
    if token.revoked_at is not None:
        events.token_refused(token, request=request, reason="revoked")
        raise _refused("This API token was revoked. Make a new one on your settings page.", "token_revoked")
    if token.is_expired(now):
        events.token_refused(token, request=request, reason="expired")
        raise _refused(
            f"This API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC. Make a new one on your settings page.",
            "token_expired",
        )
    if not token.user.is_active:
        events.token_refused(token, request=request, reason="user inactive")
        raise _refused("This API token's user is deactivated.", "token_disabled")
    membership = membership_for(token.user, token.project)
    if membership is None:
        events.token_refused(token, request=request, reason="not a member")
        raise _refused("This API token's user is no longer a member of its project.", "token_disabled")
    token.membership = token.project.membership = membership
    services.token_touch(token, now)
    events.token_used(token, request=request)
    return token


def actor_for(request: HttpRequest, token: ApiToken) -> Actor:
    """The token as the actor of every write (videos record created_via "token")."""
    return Actor(ActorKind.TOKEN, token.user, f"token {token.display_prefix}", client_address(request))
