"""The audit log: one row per thing someone did (or tried to do and was refused), append-only.

Rows are never changed or deleted: `save()` refuses an existing row, `delete()` refuses always, and the queryset's
`update()`/`delete()` raise. The one removal is the retention prune (audit.services.prune), which deletes old rows
with a raw SQL statement. Who and which project are kept as links *and* as names copied at the time, and the links
have no database constraint: deleting a user or a project later never touches (nor loses) its history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """An attempt to change or delete audit entries."""


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The audit log is append-only: entries cannot be changed.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be changed.")


class Entry(models.Model):
    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        REFUSED = "refused", "Refused"

    class Via(models.TextChoices):
        SESSION = "session", "Signed-in session"
        TOKEN = "token", "API token"
        GUEST = "guest", "Guest link"
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Command line"
        SYSTEM = "system", "The studio itself"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=50, db_index=True, help_text="What was done, e.g. video.create.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    reason = models.TextField(blank=True, help_text="Why it was refused.")

    # Who: a user (or nobody: the studio itself), through which door, and for whom when staff act on a member's behalf.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    actor_name = models.CharField(max_length=150, blank=True)
    actor_kind = models.CharField(max_length=10, blank=True, help_text="member, token, guest, staff or system")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    on_behalf_of_name = models.CharField(max_length=150, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.SYSTEM)
    via_label = models.CharField(max_length=100, blank=True, help_text="The token's label, the command, the task.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    # Which object, in which project.
    project = models.ForeignKey(
        "accounts.Project", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    project_name = models.CharField(max_length=100, blank=True)
    target_type = models.CharField(max_length=30, blank=True)
    target_id = models.CharField(max_length=64, blank=True, help_text="The object's public id.")
    target_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(outcome__in=["ok", "refused"]), name="audit_entry_outcome_valid"),
        ]
        indexes = [
            # A project's history page: "this project's entries, newest first".
            models.Index(fields=["project", "-created_at"], name="audit_project_recent_idx"),
            # The admin's actor filter.
            models.Index(fields=["actor", "-created_at"], name="audit_actor_recent_idx"),
        ]

    def __str__(self) -> str:
        who = self.actor_name or "studio"
        what = f" {self.target_type} {self.target_label}".rstrip() if self.target_type else ""
        return f"{who}: {self.action}{what} ({self.outcome})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only: an entry cannot be changed once written.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: an entry cannot be deleted.")

    @property
    def who(self) -> str:
        name = self.actor_name or "the studio"
        if self.on_behalf_of_name:
            name += f" for {self.on_behalf_of_name}"
        return name

    @property
    def how(self) -> str:
        label = self.get_via_display()
        return f"{label} ({self.via_label})" if self.via_label and self.via_label != self.via else label
