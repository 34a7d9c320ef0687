"""Provider webhooks: verified over the raw body with the provider's own secret, deduplicated per provider, and
they only enqueue work. The simulator provider's secret is SIM_WEBHOOK_SECRET (it signs with it); a remote
provider's comes from the environment variable it names."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from videos.models import WebhookEvent
from videos.sora import signing

SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="


@pytest.fixture
def refreshed(db, seeded_models, monkeypatch, settings):
    settings.SIM_WEBHOOK_SECRET = SECRET
    calls = []
    monkeypatch.setattr("videos.tasks.enqueue_refresh", calls.append)
    return calls


def _deliver(client, payload, *, secret=SECRET, msg_id=None, timestamp=None, body=None, url=None):
    body = body if body is not None else json.dumps(payload).encode()
    headers = signing.sign(secret, msg_id or signing.new_message_id(), timestamp or int(time.time()), body)
    return client.post(
        url or reverse("videos:webhook"), body, content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )  # fmt: skip


def _event(upstream_id, kind="video.completed"):
    return {"id": "evt_1", "object": "event", "created_at": int(time.time()), "type": kind, "data": {"id": upstream_id}}


def test_a_signed_completion_enqueues_a_refresh_of_that_video(client, alice, project, make_video, refreshed):
    video = make_video(project, alice, status="in_progress", progress=60, upstream_id="video_" + "a" * 48)

    r = _deliver(client, _event(video.upstream_id))

    assert r.status_code == 200
    assert refreshed == [video.id]


def test_a_retried_delivery_is_processed_once(client, alice, project, make_video, refreshed):
    video = make_video(project, alice, status="in_progress", upstream_id="video_" + "b" * 48)
    msg_id = signing.new_message_id()

    _deliver(client, _event(video.upstream_id, "video.failed"), msg_id=msg_id)
    r = _deliver(client, _event(video.upstream_id, "video.failed"), msg_id=msg_id)

    assert r.json() == {"status": "duplicate"}
    assert refreshed == [video.id]
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="},
        {"timestamp": int(time.time()) - 3600},
    ],
)
def test_a_bad_signature_or_stale_timestamp_is_refused(client, alice, project, make_video, refreshed, tamper):
    video = make_video(project, alice, status="in_progress", upstream_id="video_" + "c" * 48)

    r = _deliver(client, _event(video.upstream_id), **tamper)

    assert r.status_code == 400
    assert refreshed == [] and not WebhookEvent.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, refreshed):
    body = json.dumps(_event("video_x")).encode()
    headers = signing.sign(SECRET, signing.new_message_id(), int(time.time()), body)
    r = client.post(
        reverse("videos:webhook"), body.replace(b"video_x", b"video_y"), content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )  # fmt: skip
    assert r.status_code == 400 and refreshed == []


def test_unknown_videos_and_other_events_are_acknowledged_and_ignored(client, refreshed):
    assert _deliver(client, _event("video_unknown")).status_code == 200
    assert _deliver(client, {**_event("video_x"), "type": "response.completed"}).status_code == 200
    assert refreshed == []


def test_without_a_secret_the_endpoint_is_off(client, settings, seeded_models):
    settings.SIM_WEBHOOK_SECRET = ""
    assert _deliver(client, _event("video_x")).status_code == 404


def test_a_remote_providers_webhook_uses_its_own_secret_and_address(client, alice, project, make_video, refreshed,
                                                                     monkeypatch):  # fmt: skip
    from providers.models import Provider

    other_secret = "whsec_" + "b3RoZXItcHJvdmlkZXJzLXNpZ25pbmcta2V5"
    gateway = Provider.objects.create(slug="gateway", name="Gateway", base_url="https://gw.example/v1",
                                      webhook_secret_env="PROVIDER_GATEWAY_WEBHOOK_SECRET")  # fmt: skip
    monkeypatch.setenv("PROVIDER_GATEWAY_WEBHOOK_SECRET", other_secret)
    same_id = "video_" + "e" * 48
    ours = make_video(project, alice, status="in_progress", upstream_id=same_id, provider=gateway)
    make_video(project, alice, status="in_progress", upstream_id=same_id)  # the simulator's job of the same id
    url = reverse("videos:provider-webhook", args=["gateway"])

    assert _deliver(client, _event(same_id), url=url).status_code == 400  # the simulator's secret is not its
    assert _deliver(client, _event(same_id), secret=other_secret, url=url).status_code == 200
    assert refreshed == [ours.id]  # the job of that provider, not the other with the same upstream id
    assert client.post(reverse("videos:provider-webhook", args=["nobody"])).status_code == 404


def test_an_overlong_webhook_id_is_a_clear_400(client, refreshed):
    r = _deliver(client, _event("video_x"), msg_id="msg_" + "a" * 200)
    assert r.status_code == 400 and "webhook-id" in r.json()["error"]
    assert not WebhookEvent.objects.exists()


def test_the_webhook_takes_only_post(client, refreshed):
    assert client.get(reverse("videos:webhook")).status_code == 405


@pytest.mark.parametrize("bad", ["video_\\u0000x", "video_\\ud800x"])
def test_an_id_the_database_cannot_store_is_acknowledged_and_ignored(client, refreshed, bad):
    """A NUL or a lone surrogate (sent as a JSON escape) in a signed event: no 500 on either database."""
    body = ('{"id": "evt_2", "object": "event", "created_at": %d, "type": "video.completed", "data": {"id": "%s"}}'
            % (int(time.time()), bad)).encode()  # fmt: skip
    assert _deliver(client, None, body=body).status_code == 200
    assert refreshed == [] and WebhookEvent.objects.get().upstream_id == ""
