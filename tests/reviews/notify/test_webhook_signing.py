"""A project's webhook events are signed the Standard Webhooks way: a real HTTP receiver on 127.0.0.1 gets a
`video.completed` whose signature the `standardwebhooks` package verifies with the secret shown to the owner; the
secret is derived, never stored, and rotating it makes the old one fail."""

from __future__ import annotations

import base64
import json

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from accounts.actors import Actor
from reviews import notify_webhooks
from reviews.models import WebhookDelivery, WebhookEndpoint
from tests.reviews.notify.conftest import make_endpoint
from videos.lifecycle import job_transition
from videos.models import Video
from videos.sora import signing


def _complete(video):
    job_transition.send(sender=Video, video_id=video.id, public_id=video.public_id, old="archiving", new="completed",
                        actor=None)  # fmt: skip


def test_the_receiver_gets_a_signed_event_it_can_verify(alice, project, make_video, receiver,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    endpoint, secret = make_endpoint(project, alice, receiver.url)
    video = make_video(project, alice, prompt="A lighthouse at dawn")
    with django_capture_on_commit_callbacks(execute=True):
        _complete(video)

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/hooks/studio" and headers["content-type"] == "application/json"
    assert headers["webhook-signature"].startswith("v1,")
    payload = Webhook(secret).verify(request["body"], headers)  # the reference implementation
    assert payload == signing.verify(secret, headers, request["body"])  # and the studio's own verifier
    assert payload["type"] == "video.completed"
    assert payload["data"]["id"] == str(video.public_id) and payload["data"]["project"] == str(project.public_id)
    assert payload["data"]["url"].endswith(f"/videos/{video.public_id}/")
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.message_id and request["body"].decode() == delivery.payload
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(request["body"], headers)


def test_the_secret_is_derived_not_stored_and_rotation_changes_it(alice, project, settings):
    endpoint, secret = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    row = WebhookEndpoint.objects.filter(id=endpoint.id).values()[0]
    key = secret.removeprefix("whsec_")
    assert not any(isinstance(v, str) and (key in v or secret in v) for v in row.values())
    assert notify_webhooks.endpoint_secret(WebhookEndpoint.objects.get(id=endpoint.id)) == secret  # same row: same

    rotated = notify_webhooks.endpoint_rotate(actor=Actor.of_user(alice), endpoint=endpoint)
    assert rotated != secret and notify_webhooks.endpoint_secret(WebhookEndpoint.objects.get(id=endpoint.id)) == rotated
    settings.SECRET_KEY = "another-studio-key-" + "x" * 40
    assert notify_webhooks.endpoint_secret(endpoint) != rotated  # derived from the studio's key too


def test_only_enabled_endpoints_taking_the_event_get_it(alice, project, make_video):
    make_endpoint(project, alice, "http://127.0.0.1:9/a", events=["video.failed"])
    off, _ = make_endpoint(project, alice, "http://127.0.0.1:9/b", events=["video.completed"])
    WebhookEndpoint.objects.filter(id=off.id).update(enabled=False)
    taker, _ = make_endpoint(project, alice, "http://127.0.0.1:9/c", events=["video.completed"])
    _complete(make_video(project, alice))  # not committed in this test: deliveries are made, not sent

    assert list(WebhookDelivery.objects.values_list("endpoint_id", "event")) == [(taker.id, "video.completed")]
    assert json.loads(WebhookDelivery.objects.get().payload)["type"] == "video.completed"
