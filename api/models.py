"""Personal API tokens: a member's key to the Team API (`/v1/videos`), for one project, read-only or read-write.

Only a hash of the secret is stored: the token's `prefix` (in clear, unique) finds the row, and the SHA-256 of the
whole token is compared in constant time. The secret is shown once, when the token is made.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.WRITE)
    # The token reads `sst_<prefix>_<secret>`: the prefix finds the row, the hash proves the secret.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="api_apitoken_scope_valid"),
            models.CheckConstraint(condition=~Q(secret_hash=""), name="api_apitoken_has_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (sst_{self.prefix}_…)"

    @property
    def display_prefix(self) -> str:
        return f"sst_{self.prefix}_…"

    @property
    def is_read_only(self) -> bool:
        return self.scope == self.Scope.READ

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired (membership and the user's state are checked on every request too)."""
        return self.revoked_at is None and not self.is_expired(now)
