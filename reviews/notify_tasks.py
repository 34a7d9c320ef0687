"""Notification tasks (django-q2): a thin interface over reviews/notify_services.py and reviews/notify_webhooks.py.

- `notify_tick` (a schedule, every minute, from setup_schedules): sends the batched mails that are due and
  enqueues the webhook deliveries whose next attempt is due.
- `deliver_webhook(delivery_id)`: one attempt of one delivery (short HTTP timeout; a slow receiver holds this task
  only).
"""

from __future__ import annotations

from django.conf import settings
from django_q.tasks import async_task


def enqueue_delivery(delivery_id: int) -> None:
    async_task("reviews.notify_tasks.deliver_webhook", delivery_id, task_name=f"webhook delivery {delivery_id}",
               group="webhooks", timeout=int(2 * settings.WEBHOOK_TIMEOUT_SECONDS) + 10)  # fmt: skip


def deliver_webhook(delivery_id: int) -> None:
    from reviews import notify_webhooks

    notify_webhooks.delivery_attempt(delivery_id=delivery_id)


def notify_tick() -> None:
    from reviews import notify_services, notify_webhooks

    notify_services.mails_send_due()
    for delivery_id in notify_webhooks.deliveries_due():
        enqueue_delivery(delivery_id)
