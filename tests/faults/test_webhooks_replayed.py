"""Replayed webhooks: the simulator signs `video.completed` with its secret and the studio finishes jobs by them
(polling is slow here, so the webhooks do the work); every delivery is then sent twice more (same webhook-id: a
provider's retry) and once under a new id (a re-sent event). Each video is archived exactly once."""

from __future__ import annotations

import base64
import time

import requests

from videos.models import Video, WebhookEvent
from videos.sora import signing
from videos.sora.simulator.models import SimWebhookDelivery

SECRET = "whsec_" + base64.b64encode(b"fault-suite-webhook-secret-32by!").decode()


def _send(url: str, body: str, webhook_id: str) -> dict:
    headers = {"content-type": "application/json"}
    headers.update(signing.sign(SECRET, webhook_id, int(time.time()), body.encode()))
    answer = requests.post(url, data=body.encode(), headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_replayed_webhooks_archive_each_video_once(fault_run):
    run = fault_run
    run.name = "6 replayed webhooks"
    hook = f"{run.url}/webhooks/simulator/"
    secrets = {"SIM_WEBHOOK_SECRET": SECRET, "OPENAI_WEBHOOK_SECRET": SECRET, "SIM_WEBHOOK_URL": hook}
    run.start_worker(POLL_MIN_SECONDS="8", POLL_MAX_SECONDS="15", **secrets)  # polling would come late
    run.start_web(**secrets)
    run.submit(4)

    rows = run.wait_done(timeout=90)
    deliveries = list(SimWebhookDelivery.objects.filter(delivered_at__isnull=False))
    answers = []
    for delivery in deliveries:
        answers += [_send(hook, delivery.body, delivery.webhook_id) for _ in range(2)]  # a provider's retries
        answers.append(_send(hook, delivery.body, signing.new_message_id()))  # the same event, re-sent
    run.faults["webhook replayed"] = len(answers)
    time.sleep(2)  # what the re-sent events enqueue (a refresh of a finished video) runs now
    after_webhook = [v.archived_at.timestamp() - v.completed_at.timestamp() for v in rows if v.archived_at]
    run.recovery["upstream done to archived"] = max(after_webhook, default=0.0)
    result = run.verify(recovery=max(after_webhook, default=0.0))

    assert result["archived"] == 4 and len(deliveries) == 4
    assert [a["status"] for a in answers] == ["duplicate", "duplicate", "ok"] * 4
    assert WebhookEvent.objects.count() == 8  # 4 delivered + 4 re-sent under new ids; retries are not stored
    assert all(len(v.asset_map) == 3 for v in Video.objects.filter(id__in=run.videos))  # one archive each
    # The webhooks finished the jobs: each video was refreshed by its event (8 in all: the re-sent ones too).
    log = run.log()
    assert all(f"Processed 'videos.tasks.refresh_video' (refresh video {v.id})" in log for v in rows)
