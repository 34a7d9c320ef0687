"""Writes for API tokens: make one (its secret returned once), revoke one, note its use."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.access import Role, membership_for
from accounts.actors import Actor
from accounts.models import Project, User
from api import events
from api.models import ApiToken

TOKEN_PREFIX = "sst_"
PREFIX_PATTERN = re.compile(r"[0-9a-f]{12}")  # secrets.token_hex(6); anything else is not a token of ours
MAX_EXPIRY_DAYS = 3650
# A token's "last used" is written at most this often (every request would be a write per request).
LAST_USED_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def split_token(token: str) -> str | None:
    """The lookup prefix of a token of ours (`sst_<prefix>_<secret>`), or None when it is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not secret or PREFIX_PATTERN.fullmatch(prefix) is None:
        return None
    return prefix


def personal_project(user: User) -> Project | None:
    """The project every user gets at sign-up (accounts.signals): personal, and owned by them."""
    return (
        Project.objects.filter(is_personal=True, memberships__user=user, memberships__role=Role.OWNER)
        .order_by("id")
        .first()
    )


@transaction.atomic
def token_create(
    *,
    actor: Actor,
    user: User,
    name: str,
    project: Project | None = None,
    read_only: bool = False,
    expires_days: int | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token of `user` for `project` (default: their personal project). Returns the row and the token
    itself, which is never stored and cannot be shown again. A member makes their own tokens; the studio (a
    management command) may make one for anyone who is a member of the project."""
    if not (actor.is_system or actor.is_staff or (actor.user is not None and actor.user.id == user.id)):
        raise PermissionDenied("Members make their own API tokens.")
    if not user.is_active:
        raise ValidationError(f"{user.username} is deactivated, so cannot have API tokens.")
    name = (name or "").strip() or "API token"
    if project is None:
        project = personal_project(user)
        if project is None:
            raise ValidationError({"project": f"{user.username} has no personal project; name a project."})
    if membership_for(user, project) is None:
        raise ValidationError({"project": f"{user.username} is not a member of {project.name}."})
    expires_at = None
    if expires_days is not None:
        if not 1 <= int(expires_days) <= MAX_EXPIRY_DAYS:
            raise ValidationError({"expires_days": f"A token expires after 1 to {MAX_EXPIRY_DAYS} days."})
        expires_at = (now or timezone.now()) + timedelta(days=int(expires_days))
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        user=user,
        project=project,
        name=name,
        scope=ApiToken.Scope.READ if read_only else ApiToken.Scope.WRITE,
        prefix=prefix,
        secret_hash=token_hash(token),
        expires_at=expires_at,
    )
    row.full_clean()
    row.save()
    events.token_created(row, actor=actor)
    return row, token


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke at once (the next request with it is refused). Returns False when it was revoked already."""
    if not (actor.is_system or actor.is_staff or (actor.user is not None and actor.user.id == token.user_id)):
        raise PermissionDenied("Only its owner can revoke an API token.")
    changed = ApiToken.objects.filter(id=token.id, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), updated_at=timezone.now()
    )
    token.refresh_from_db()
    if changed:
        events.token_revoked(token, actor=actor)
    return bool(changed)


def token_touch(token: ApiToken, now: datetime | None = None) -> None:
    """Note that the token was used (at most once a minute: one conditional UPDATE, no read)."""
    now = now or timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    if ApiToken.objects.filter(stale, id=token.id).update(last_used_at=now):
        token.last_used_at = now
