from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A team member. Email is optional but unique when given, so members can be added by email."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username


class Project(models.Model):
    """A team's workspace: videos belong to a project, people belong to it through memberships."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    # The project every user gets at sign-up; it can be shared like any other.
    is_personal = models.BooleanField(default=False)
    members = models.ManyToManyField(User, through="Membership", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        EDITOR = "editor", "Editor"
        OWNER = "owner", "Owner"

    # Higher rank, more rights: a check for EDITOR passes for EDITOR and OWNER.
    RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="accounts_membership_one_per_user_project"),
            models.CheckConstraint(
                condition=models.Q(role__in=["viewer", "editor", "owner"]), name="accounts_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id} as {self.role}"

    def has_role(self, role: str) -> bool:
        return self.RANK[self.role] >= self.RANK[role]


class PasswordResetRequest(models.Model):
    """One password-reset request, kept an hour so mails can be limited per address and per client.

    Holds no address in clear: `email_digest` is a keyed hash of the normalised address (accounts.throttle).
    """

    email_digest = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    allowed = models.BooleanField(help_text="Whether its mail (if an account has the address) was sent.")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # reset_mail_allowed: this address's mails, and this client's requests, in the last hour.
            models.Index(fields=["email_digest", "created_at"], name="accounts_reset_email_time"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_reset_client_time"),
        ]

    def __str__(self) -> str:
        return f"reset request from {self.ip_address or 'unknown'} at {self.created_at:%Y-%m-%d %H:%M}"
