"""Provider webhooks: a signed `video.completed` / `video.failed` finishes a job at once (polling is the fallback).

Each provider has its own secret (providers.clients.webhook_secret_for) and its own address,
`/webhooks/<provider slug>/`; `/webhooks/openai/` (the address documented before providers existed) accepts an
event signed by any provider's secret. Verified over the raw body (Standard Webhooks, contract section 5.1),
deduplicated by (provider, webhook-id), answered fast: the work (fetching the job, archiving) happens in a worker.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.clients import webhook_secret_for
from providers.models import Provider
from videos import lifecycle
from videos.models import Video, WebhookEvent
from videos.sora import signing

log = logging.getLogger(__name__)
EVENTS = ("video.completed", "video.failed")
WEBHOOK_ID_MAX = 100


def _verify(providers: list[Provider], request: HttpRequest) -> tuple[Provider, dict] | None:
    for provider in providers:
        secret = webhook_secret_for(provider)
        if not secret:
            continue
        try:
            return provider, signing.verify(secret, request.headers, request.body)
        except signing.WebhookVerificationError:
            continue
    return None


def _storable(value) -> str:
    """A string PostgreSQL can store (no NUL, no lone surrogate from a JSON escape), else ''."""
    if not isinstance(value, str) or "\x00" in value:
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return value


@csrf_exempt
@require_POST
def receive(request: HttpRequest, slug: str | None = None) -> JsonResponse:
    providers = list(Provider.objects.filter(is_active=True, **({"slug": slug} if slug else {})))
    if slug and not providers:
        raise Http404("No such provider.")
    if not any(webhook_secret_for(p) for p in providers):
        return JsonResponse({"error": "webhooks are not configured on this studio"}, status=404)
    webhook_id = request.headers.get("webhook-id", "")
    if len(webhook_id) > WEBHOOK_ID_MAX or "\x00" in webhook_id:
        return JsonResponse({"error": f"webhook-id must be at most {WEBHOOK_ID_MAX} characters"}, status=400)
    verified = _verify(providers, request)
    if verified is None:
        log.warning("webhook rejected: no provider's secret verifies it")
        return JsonResponse({"error": "invalid signature"}, status=400)
    provider, payload = verified
    event_type = _storable(payload.get("type") if isinstance(payload, dict) else "")
    data = payload.get("data") if isinstance(payload, dict) else None
    upstream_id = _storable(data.get("id") if isinstance(data, dict) else "")
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider, webhook_id=webhook_id, event_type=str(event_type)[:50], upstream_id=upstream_id
            )
    except IntegrityError:
        return JsonResponse({"status": "duplicate"})  # a retried delivery: done already
    if event_type in EVENTS and upstream_id:
        video_id = (
            Video.objects.filter(provider=provider, upstream_key=lifecycle.upstream_key(upstream_id))
            .values_list("id", flat=True)
            .first()
        )
        if video_id is not None:
            from videos import tasks

            # The event carries only the id: the worker fetches status, error and expiry.
            tasks.enqueue_refresh(video_id)
    return JsonResponse({"status": "ok"})
