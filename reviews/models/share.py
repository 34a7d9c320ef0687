"""Guest links (issue #15, part 3): a read-only link to one completed video or one final cut, for people without an
account. Only a SHA-256 hash of the link's token is kept (a database reader cannot open a link) and its first
characters, so its maker can tell links apart; the optional password is kept as Django's password hashers make it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class GuestLink(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # hashlib.sha256(token).hexdigest(): the only form of the token the studio keeps.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)  # shown to editors after creation
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="guest_links")
    # Exactly one of the two (reviews_guestlink_one_target).
    video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="guest_links"
    )
    cut = models.ForeignKey(
        "storyboards.FinalCut", null=True, blank=True, on_delete=models.CASCADE, related_name="guest_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    allow_download = models.BooleanField(default=False)
    show_prompt = models.BooleanField(default=False)
    password = models.CharField(max_length=128, blank=True)  # make_password(...); "" means no password
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)  # raised with F() on every guest view
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(video__isnull=False) & Q(cut__isnull=True))
                | (Q(video__isnull=True) & Q(cut__isnull=False)),
                name="reviews_guestlink_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Guest link {self.token_prefix}…"

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now) -> bool:
        return self.expires_at <= now

    def is_live(self, now) -> bool:
        return not self.is_revoked() and not self.is_expired(now)

    def state(self, now) -> str:
        """What the links list says of it: revoked, expired or live."""
        return "revoked" if self.is_revoked() else "expired" if self.is_expired(now) else "live"
