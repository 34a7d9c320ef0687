"""The OpenAI webhook: a signed `video.completed` / `video.failed` finishes a job at once (polling is the fallback).

Verified over the raw body (Standard Webhooks, contract section 5.1), deduplicated by webhook-id, answered fast:
the work (fetching the job, archiving) happens in the worker.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from videos.models import Video, WebhookEvent
from videos.sora import signing

log = logging.getLogger(__name__)
EVENTS = ("video.completed", "video.failed")


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    secret = settings.OPENAI_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"error": "webhooks are not configured on this studio"}, status=404)
    try:
        payload = signing.verify(secret, request.headers, request.body)
    except signing.WebhookVerificationError as exc:
        log.warning("webhook rejected: %s", exc)
        return JsonResponse({"error": "invalid signature"}, status=400)
    event_type = payload.get("type", "") if isinstance(payload, dict) else ""
    data = payload.get("data") if isinstance(payload, dict) else None
    upstream_id = data.get("id", "") if isinstance(data, dict) else ""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                webhook_id=request.headers["webhook-id"], event_type=event_type[:50], upstream_id=str(upstream_id)[:100]
            )
    except IntegrityError:
        return JsonResponse({"status": "duplicate"})  # a retried delivery: done already
    if event_type in EVENTS:
        video_id = Video.objects.filter(upstream_id=upstream_id).values_list("id", flat=True).first()
        if video_id is not None:
            from videos import tasks

            # The event carries only the id: the worker fetches status, error and expiry.
            tasks.enqueue_refresh(video_id)
    return JsonResponse({"status": "ok"})
