"""Guest links (issue #15, part 3): making, revoking, opening and counting read-only links to one completed video or
one final cut.

- A link's token is `secrets.token_urlsafe(32)` (256 random bits). Only its SHA-256 hash is stored, and its first
  characters (`PREFIX_LENGTH`) so editors can tell links apart; the full link is shown once, to its maker.
- An optional password is stored as Django's password hashers make it (never in clear).
- Expired, revoked and unknown tokens, and links whose video was deleted, are all the same to a guest: no link.
- Every guest view raises the link's counter with one UPDATE (F()) and is recorded in the audit log, as are
  creations and revocations.
- Wrong passwords: at most `PASSWORD_TRIES` per link in a `PASSWORD_WINDOW_SECONDS` window (counted in the shared
  "api" cache: Redis when REDIS_URL is set, so every web worker counts together); then every try, right or wrong,
  is refused until the window ends.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.access import Role, require_actor_role
from accounts.actors import Actor, ActorKind
from api import ratelimit
from audit import services as audit
from reviews.models import GuestLink

# The expiries a maker picks from (required; no link lives forever).
EXPIRIES = {
    "1h": ("1 hour", timedelta(hours=1)),
    "1d": ("1 day", timedelta(days=1)),
    "7d": ("7 days", timedelta(days=7)),
    "30d": ("30 days", timedelta(days=30)),
}
PREFIX_LENGTH = 6
TOKEN_BYTES = 32
PASSWORD_MAX_LENGTH = 128
PASSWORD_TRIES = 5
PASSWORD_WINDOW_SECONDS = 60


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def guest_actor(link: GuestLink, address: str = "") -> Actor:
    """The actor of a guest's request: no user, the link named by its public id."""
    return Actor(ActorKind.GUEST, None, f"link {link.public_id}", address)


def _target_of(link: GuestLink):
    return link.video if link.video_id else link.cut


def _describe_target(link: GuestLink) -> dict:
    if link.video_id:
        return {"video": str(link.video.public_id)}
    return {"cut": str(link.cut.public_id), "storyboard": link.cut.storyboard.title[:100]}


# ---------------------------------------------------------------------------------------------------------------
# Making and revoking (editors and owners of the project)
# ---------------------------------------------------------------------------------------------------------------
def link_create(
    *,
    actor: Actor,
    video=None,
    cut=None,
    expires_in: str,
    allow_download: bool = False,
    show_prompt: bool = False,
    password: str = "",
    now: datetime | None = None,
) -> tuple[GuestLink, str]:
    """A new link to `video` (completed, not deleted) or `cut` (completed, with its MP4). Returns the link and its
    token: the only time the token exists in the studio; the caller shows it once to its maker."""
    if (video is None) == (cut is None):
        raise ValueError("a guest link is to one video or one cut")
    project = video.project if video is not None else cut.storyboard.project
    with audit.attempt(actor=actor, action="guest_link.create", project=project,
                       target=video if video is not None else cut) as entry:  # fmt: skip
        link, token = _link_create(actor=actor, project=project, video=video, cut=cut, expires_in=expires_in,
                                   allow_download=allow_download, show_prompt=show_prompt, password=password,
                                   now=now)  # fmt: skip
        entry.target = link
        entry.detail.update(_describe_target(link), expires_at=link.expires_at.isoformat(),
                            allow_download=link.allow_download, show_prompt=link.show_prompt,
                            password=link.has_password)  # fmt: skip
    return link, token


@transaction.atomic
def _link_create(*, actor, project, video, cut, expires_in, allow_download, show_prompt, password, now):
    require_actor_role(actor, project, Role.EDITOR)
    if expires_in not in EXPIRIES:
        allowed = ", ".join(label for label, _ in EXPIRIES.values())
        raise ValidationError(f"Choose when the link expires: {allowed}.", code="expiry")
    if password and len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(f"The password can have at most {PASSWORD_MAX_LENGTH} characters.", code="password")
    if video is not None:
        if video.is_deleted or not video.is_archived:
            raise ValidationError("Only a completed video can be shared with a guest link.", code="not_completed")
    elif cut.status != cut.Status.COMPLETED or cut.video_id is None:
        raise ValidationError("Only a completed final cut can be shared with a guest link.", code="not_completed")
    now = now or timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = GuestLink(
        token_hash=token_hash(token), token_prefix=token[:PREFIX_LENGTH], project=project, video=video, cut=cut,
        created_by=actor.user, expires_at=now + EXPIRIES[expires_in][1], allow_download=bool(allow_download),
        show_prompt=bool(show_prompt), password=make_password(password) if password else "",
    )  # fmt: skip
    link.full_clean()
    link.save()
    return link, token


def link_revoke(*, actor: Actor, link: GuestLink, now: datetime | None = None) -> bool:
    """Revoke a link at once (the next guest request gets the gone page). False if it was revoked already."""
    with audit.attempt(actor=actor, action="guest_link.revoke", project=link.project, target=link) as entry:
        require_actor_role(actor, link.project, Role.EDITOR)
        now = now or timezone.now()
        changed = GuestLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.user, updated_at=now
        )
        if not changed:
            entry.skip = True  # revoked already (a double click): nothing new to record
        link.refresh_from_db()
    return bool(changed)


# ---------------------------------------------------------------------------------------------------------------
# What a guest may open
# ---------------------------------------------------------------------------------------------------------------
def link_for_token(token: str, *, now: datetime | None = None) -> GuestLink | None:
    """The live link this token opens, or None: unknown, revoked, expired, or its video or cut is gone or not
    playable. A guest sees no difference between these."""
    if not token or len(token) > 200:
        return None
    link = (
        GuestLink.objects.select_related("project", "video", "cut", "cut__video", "cut__thumbnail", "cut__storyboard")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or not link.is_live(now or timezone.now()):
        return None
    if link.video_id is not None:
        if link.video.is_deleted or not link.video.is_archived:
            return None
    elif link.cut.status != link.cut.Status.COMPLETED or link.cut.video_id is None:
        return None
    return link


def link_viewed(*, link: GuestLink, address: str = "", now: datetime | None = None) -> None:
    """Count one guest view (one UPDATE, so simultaneous views are all counted) and record it."""
    now = now or timezone.now()
    GuestLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
    audit.record(actor=guest_actor(link, address), action="guest_link.view", target=link, project=link.project,
                 detail=_describe_target(link))  # fmt: skip


def link_downloaded(*, link: GuestLink, address: str = "") -> None:
    audit.record(actor=guest_actor(link, address), action="guest_link.download", target=link, project=link.project,
                 detail=_describe_target(link))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------------------------------------------
class TooManyTries(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many wrong passwords for this link. Try again in {retry_after} s.")
        self.retry_after = retry_after


def password_check(link: GuestLink, password: str, *, now: float | None = None) -> bool:
    """Whether `password` opens the link. Raises TooManyTries once PASSWORD_TRIES wrong passwords were given for
    this link in the current window (then even the right one waits for the window's end). The try is counted before
    the (slow) hash check, atomically (api.ratelimit.count), so parallel requests cannot all slip under the limit; a
    right password gives its try back."""
    now = time.time() if now is None else now
    what = f"guest-link-password:{link.public_id.hex}"
    tries, slot = ratelimit.count(what, PASSWORD_WINDOW_SECONDS, now)
    if tries > PASSWORD_TRIES:
        raise TooManyTries(ratelimit.seconds_left(PASSWORD_WINDOW_SECONDS, slot, now))
    if password and len(password) <= PASSWORD_MAX_LENGTH and check_password(password, link.password):
        ratelimit.give_back(what, PASSWORD_WINDOW_SECONDS, slot)
        return True
    return False
