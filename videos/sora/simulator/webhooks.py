"""Signed webhooks from the simulator (contract section 5 and 8.12).

On each terminal transition, when SIM_WEBHOOK_URL and a ``whsec_`` SIM_WEBHOOK_SECRET are set, one delivery row
is stored and a background thread POSTs it. A non-2xx answer (or no answer) is retried with exponential backoff
(SIM_WEBHOOK_BACKOFF_SECONDS × 2^n, at most SIM_WEBHOOK_MAX_ATTEMPTS attempts), always with the same
``webhook-id`` and a fresh ``webhook-timestamp`` and signature. A delivery whose thread died is picked up again
by ``resume_due`` (called on requests), guarded by a lease.
"""

from __future__ import annotations

import json
import logging
import secrets
import time

import requests
from django.conf import settings

from videos.sora import signing

from .models import SimWebhookDelivery

logger = logging.getLogger(__name__)

USER_AGENT = "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)"
TIMEOUT = (3.0, 10.0)
LEASE_SECONDS = 60.0


def configured() -> tuple[str, str] | None:
    url = settings.SIM_WEBHOOK_URL
    secret = settings.SIM_WEBHOOK_SECRET
    if url and isinstance(secret, str) and secret.startswith(signing.SECRET_PREFIX):
        return url, secret
    return None


def enqueue(video_id: str, event_type: str) -> SimWebhookDelivery | None:
    """Store the event (inside the caller's transaction) and deliver it after commit."""
    target = configured()
    if target is None:
        return None
    url, _secret = target
    body = {
        "id": "evt_" + secrets.token_hex(24),
        "object": "event",
        "created_at": int(time.time()),
        "type": event_type,
        "data": {"id": video_id},
    }
    delivery = SimWebhookDelivery.objects.create(
        webhook_id=signing.new_message_id(),
        event_id=body["id"],
        video_id=video_id,
        url=url,
        body=json.dumps(body, separators=(",", ":")),
        next_attempt_at=time.time(),
        lease_until=time.time() + LEASE_SECONDS,
    )
    from .jobs import start_thread

    start_thread(deliver, delivery.pk)
    return delivery


def resume_due(now: float | None = None) -> None:
    """Restart deliveries left behind by a dead process (lease expired, not delivered, not given up). Called on
    every simulator request, so it costs nothing while webhooks are off."""
    if configured() is None:
        return
    now = time.time() if now is None else now
    due = SimWebhookDelivery.objects.filter(
        delivered_at__isnull=True, gave_up=False, lease_until__lt=now, next_attempt_at__lte=now
    ).values_list("pk", flat=True)[:10]
    from .jobs import start_thread

    for pk in list(due):
        if SimWebhookDelivery.objects.filter(pk=pk, lease_until__lt=now).update(lease_until=now + LEASE_SECONDS):
            start_thread(deliver, pk)


def deliver(pk: int) -> None:
    """Attempt one delivery until it is accepted or the attempts run out."""
    max_attempts = settings.SIM_WEBHOOK_MAX_ATTEMPTS
    backoff = settings.SIM_WEBHOOK_BACKOFF_SECONDS
    while True:
        delivery = SimWebhookDelivery.objects.filter(pk=pk).first()
        if delivery is None or delivery.delivered_at is not None or delivery.gave_up:
            return
        wait = delivery.next_attempt_at - time.time()
        if wait > 0:
            SimWebhookDelivery.objects.filter(pk=pk).update(lease_until=time.time() + wait + LEASE_SECONDS)
            time.sleep(wait)
        target = configured()
        secret = target[1] if target else None
        status = None
        if secret is not None:
            body = delivery.body.encode()
            headers = {"content-type": "application/json", "user-agent": USER_AGENT}
            headers.update(signing.sign(secret, delivery.webhook_id, int(time.time()), body))
            try:
                response = requests.post(delivery.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
                status = response.status_code
                response.close()
            except requests.RequestException as exc:
                logger.info("simulator webhook %s to %s failed: %s", delivery.webhook_id, delivery.url, type(exc).__name__)
        attempts = delivery.attempts + 1
        now = time.time()
        if status is not None and 200 <= status < 300:
            SimWebhookDelivery.objects.filter(pk=pk).update(attempts=attempts, last_status=status, delivered_at=now)
            return
        gave_up = attempts >= max_attempts or secret is None
        SimWebhookDelivery.objects.filter(pk=pk).update(
            attempts=attempts,
            last_status=status,
            gave_up=gave_up,
            next_attempt_at=now + backoff * 2 ** (attempts - 1),
            lease_until=now + backoff * 2 ** (attempts - 1) + LEASE_SECONDS,
        )
        if gave_up:
            return

