"""The notification views' access rules, as rows of the studio's one table (tests/test_access.py): a user's own
notifications (any signed-in user; another user's notification is a 404: tests/reviews/notify/test_views.py) and a
project's webhooks (owner only: outsider 404, editor and viewer 403)."""

from __future__ import annotations

from django.urls import reverse

from tests.access import ViewSpec


def _url(name, key):
    return lambda w: reverse(name, args=[str(w[key].public_id)])


WEBHOOK_FORM = {"url": "http://127.0.0.1:9/hook", "events": ["video.completed"], "enabled": "on"}

NOTIFY_VIEWS = [
    ViewSpec("reviews:notifications", lambda w: reverse("reviews:notifications"), role=None),
    ViewSpec("reviews:notify-unread", lambda w: reverse("reviews:notify-unread"), role=None),
    ViewSpec("reviews:notify-read-all", lambda w: reverse("reviews:notify-read-all"), "post", None),
    ViewSpec("reviews:notify-settings", lambda w: reverse("reviews:notify-settings"), role=None, refused_method="put"),
    ViewSpec("reviews:notify-read", _url("reviews:notify-read", "notification"), "post", None),
    ViewSpec("reviews:project-webhooks", _url("reviews:project-webhooks", "project"), role="owner"),
    ViewSpec("reviews:webhook-create", _url("reviews:webhook-create", "project"), "post", "owner", WEBHOOK_FORM),
    ViewSpec("reviews:webhook-update", _url("reviews:webhook-update", "endpoint"), "post", "owner",
             {f"{k}": v for k, v in WEBHOOK_FORM.items()}),
    ViewSpec("reviews:webhook-rotate", _url("reviews:webhook-rotate", "endpoint"), "post", "owner"),
    ViewSpec("reviews:webhook-delete", _url("reviews:webhook-delete", "endpoint"), "post", "owner"),
    ViewSpec("reviews:webhook-test", _url("reviews:webhook-test", "endpoint"), "post", "owner"),
]  # fmt: skip


def notify_world(project, owner, video) -> dict:
    """A notification of the owner's (about `video`) and a webhook endpoint of `project`."""
    from reviews.models import Notification, WebhookEndpoint

    notification = Notification.objects.create(user=owner, kind="video.failed", project=project, target_type="video",
                                               target_id=video.public_id, text="Your video failed.")  # fmt: skip
    endpoint = WebhookEndpoint.objects.create(project=project, url="http://127.0.0.1:9/hook", events=["video.failed"],
                                              salt="00" * 16, created_by=owner)  # fmt: skip
    return {"notification": notification, "endpoint": endpoint}


def notify_state():
    from reviews.models import Notification, NotifySettings, WebhookDelivery, WebhookEndpoint

    return (
        sorted(Notification.objects.values_list("id", "read_at")),
        sorted(NotifySettings.objects.values_list("user_id", "email_completed", "email_failed")),
        sorted(WebhookEndpoint.objects.values_list("id", "url", "enabled", "salt")),
        WebhookDelivery.objects.count(),
    )
