"""Notifications (in-app, batched mail) and the project's outgoing webhooks (issue #15, part 4)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """Something that happened to a user's video, cut or review: shown under the bell, mailed if they opted in."""

    class Kind(models.TextChoices):
        VIDEO_COMPLETED = "video.completed", "Video finished"
        VIDEO_FAILED = "video.failed", "Video failed"
        CUT_COMPLETED = "cut.completed", "Final cut finished"
        CUT_FAILED = "cut.failed", "Final cut failed"
        MENTION = "mention", "Mention"
        REVIEW_CHANGED = "review.changed", "Review state changed"

    class Target(models.TextChoices):
        VIDEO = "video", "Video"
        CUT = "cut", "Final cut"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    project = models.ForeignKey("accounts.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What it is about: a video or a final cut, by its public id (the link is built from it; a deleted target 404s).
    target_type = models.CharField(max_length=10, choices=Target.choices)
    target_id = models.UUIDField()
    text = models.CharField(max_length=500)
    read_at = models.DateTimeField(null=True, blank=True)
    # Mail: wanted when it was made (the user's settings then), sent in a batch later (reviews/notify_tasks.py).
    mail_pending = models.BooleanField(default=False)
    mailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["video.completed", "video.failed", "cut.completed", "cut.failed", "mention",
                                      "review.changed"]),
                name="reviews_notification_kind_valid",
            ),
        ]  # fmt: skip
        indexes = [
            # The bell on every page: "how many unread has this user" (one COUNT on this partial index).
            models.Index(fields=["user"], name="reviews_notif_unread_idx", condition=Q(read_at__isnull=True)),
            # The notifications page: "this user's latest".
            models.Index(fields=["user", "-created_at"], name="reviews_notif_user_recent_idx"),
            # The mail batch: "who has mail waiting".
            models.Index(fields=["user"], name="reviews_notif_mail_idx", condition=Q(mail_pending=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for user {self.user_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotifySettings(models.Model):
    """A user's choices: which notifications also come by mail (batched), and when the last batch left."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_settings")
    email_completed = models.BooleanField("Email when my video or cut finishes", default=False)
    email_failed = models.BooleanField("Email when my video or cut fails", default=False)
    email_mentions = models.BooleanField("Email when someone mentions me", default=False)
    email_reviews = models.BooleanField("Email when the review state of my video changes", default=False)
    last_mailed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification settings of user {self.user_id}"

    def wants_mail(self, kind: str) -> bool:
        K = Notification.Kind
        return {
            K.VIDEO_COMPLETED: self.email_completed, K.CUT_COMPLETED: self.email_completed,
            K.VIDEO_FAILED: self.email_failed, K.CUT_FAILED: self.email_failed,
            K.MENTION: self.email_mentions, K.REVIEW_CHANGED: self.email_reviews,
        }.get(kind, False)  # fmt: skip


WEBHOOK_EVENTS = ("video.completed", "video.failed", "review.changed")


class WebhookEndpoint(models.Model):
    """A project's outgoing webhook: events signed the Standard Webhooks way.

    The secret is never stored: it is derived from the studio's SECRET_KEY, the endpoint's public id and `salt`
    (reviews/notify_webhooks.py `endpoint_secret`); rotating it draws a new salt."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)  # a subset of WEBHOOK_EVENTS
    enabled = models.BooleanField(default=True)
    salt = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Webhook {self.public_id} of project {self.project_id}"

    def wants(self, event: str) -> bool:
        """Whether it takes this event (whether it is enabled is the caller's question)."""
        return event in (self.events or [])


class WebhookDelivery(models.Model):
    """One event for one endpoint: sent by a task, retried with exponential backoff until it succeeds or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Gave up"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True)  # webhook-id: the same on every attempt
    event = models.CharField(max_length=40)
    payload = models.TextField()  # the exact JSON body sent (signed as is)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker sending it holds it until then (a task delivered twice sends once).
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]), name="reviews_webhookdelivery_status_valid"
            ),
        ]
        indexes = [
            # The clock: "pending deliveries that are due".
            models.Index(fields=["next_attempt_at"], name="reviews_delivery_due_idx", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event} delivery {self.message_id} ({self.status})"
