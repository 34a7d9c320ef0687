"""The project's webhooks page (its owner): add one (its secret shown once, never again), edit, rotate (a new secret
shown once), send a test event, remove; the last 20 deliveries are listed; the project page links to it."""

from __future__ import annotations

from django.urls import reverse

from audit.models import Entry
from reviews import notify_webhooks
from reviews.models import WebhookDelivery, WebhookEndpoint
from tests.reviews.notify.conftest import make_endpoint


def test_the_project_page_links_owners_to_it(client, alice, bob, project):
    url = reverse("reviews:project-webhooks", args=[project.public_id])
    client.force_login(alice)
    assert url in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()
    client.force_login(bob)
    assert url not in client.get(reverse("accounts:project", args=[project.public_id])).content.decode()


def test_adding_one_shows_its_secret_once(client, alice, project):
    client.force_login(alice)
    r = client.post(reverse("reviews:webhook-create", args=[project.public_id]),
                    {"url": "http://127.0.0.1:9/hook", "events": ["video.completed", "review.changed"],
                     "enabled": "on"})  # fmt: skip

    endpoint = WebhookEndpoint.objects.get()
    secret = notify_webhooks.endpoint_secret(endpoint)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert secret in r.content.decode() and "shown only this once" in r.content.decode()
    assert (endpoint.url, endpoint.events, endpoint.enabled, endpoint.created_by) == (
        "http://127.0.0.1:9/hook", ["video.completed", "review.changed"], True, alice)  # fmt: skip
    again = client.get(reverse("reviews:project-webhooks", args=[project.public_id])).content.decode()
    assert secret not in again and "http://127.0.0.1:9/hook" in again
    entry = Entry.objects.get(action="webhook.create")  # the audit log names it, never its secret
    assert (entry.actor, entry.project, entry.detail["host"]) == (alice, project, "127.0.0.1")
    assert secret.removeprefix("whsec_") not in str(Entry.objects.values().get(id=entry.id))


def test_editing_one(client, alice, project):
    endpoint, secret = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    client.force_login(alice)
    p = str(endpoint.public_id)
    r = client.post(reverse("reviews:webhook-update", args=[endpoint.public_id]),
                    {f"{p}-url": "http://127.0.0.1:10/other", f"{p}-events": ["video.failed"]})  # fmt: skip
    assert r.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == ("http://127.0.0.1:10/other", ["video.failed"], False)
    assert notify_webhooks.endpoint_secret(endpoint) == secret  # editing keeps the secret


def test_rotating_shows_a_new_secret_once(client, alice, project):
    endpoint, secret = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    client.force_login(alice)
    r = client.post(reverse("reviews:webhook-rotate", args=[endpoint.public_id]))
    endpoint.refresh_from_db()
    new = notify_webhooks.endpoint_secret(endpoint)
    assert r.status_code == 200 and new != secret and new in r.content.decode() and secret not in r.content.decode()


def test_a_test_event_is_sent_and_listed(client, alice, project, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = make_endpoint(project, alice, receiver.url)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("reviews:webhook-test", args=[endpoint.public_id]))
    assert r.status_code == 302

    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.last_status_code) == ("webhook.test", "succeeded", 200)
    assert len(receiver.requests) == 1
    page = client.get(reverse("reviews:project-webhooks", args=[project.public_id])).content.decode()
    assert delivery.message_id in page and "Delivered" in page


def test_only_the_last_twenty_deliveries_are_listed(client, alice, project):
    endpoint, _ = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    made = [WebhookDelivery.objects.create(endpoint=endpoint, message_id=f"msg_{i:03d}", event="video.completed",
                                           payload="{}") for i in range(25)]  # fmt: skip
    client.force_login(alice)
    page = client.get(reverse("reviews:project-webhooks", args=[project.public_id])).content.decode()
    assert all(d.message_id in page for d in made[5:]) and not any(d.message_id in page for d in made[:5])


def test_removing_one(client, alice, project):
    endpoint, _ = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    client.force_login(alice)
    r = client.post(reverse("reviews:webhook-delete", args=[endpoint.public_id]))
    assert r.status_code == 302 and not WebhookEndpoint.objects.exists()


def test_another_projects_endpoint_is_a_404_and_an_editor_gets_403(client, alice, bob, charlie, project):
    endpoint, _ = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    client.force_login(charlie)
    assert client.post(reverse("reviews:webhook-rotate", args=[endpoint.public_id])).status_code == 404
    client.force_login(bob)
    assert client.post(reverse("reviews:webhook-delete", args=[endpoint.public_id])).status_code == 403
    assert WebhookEndpoint.objects.filter(id=endpoint.id, salt=endpoint.salt).exists()


def test_a_receiver_named_by_a_single_label_host_is_accepted(client, alice, project):
    """A self-hosted team's receiver is often a bare name (http://jenkins:8080/): accepted when it resolves to an
    allowed address (this machine's own name here)."""
    import socket

    url = f"http://{socket.gethostname()}:9/hooks/studio"
    client.force_login(alice)
    r = client.post(reverse("reviews:webhook-create", args=[project.public_id]),
                    {"url": url, "events": ["video.completed"], "enabled": "on"})  # fmt: skip
    assert r.status_code == 200 and WebhookEndpoint.objects.get().url == url


def test_an_endpoint_whose_host_stopped_resolving_can_still_be_switched_off(client, alice, project):
    endpoint, _ = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.filter(id=endpoint.id).update(url="http://gone.invalid/hook")  # DNS changed since
    client.force_login(alice)
    p = str(endpoint.public_id)
    off = client.post(reverse("reviews:webhook-update", args=[endpoint.public_id]),
                      {f"{p}-url": "http://gone.invalid/hook", f"{p}-events": ["video.completed"]})  # fmt: skip
    endpoint.refresh_from_db()
    assert off.status_code == 302 and endpoint.enabled is False
    on = client.post(reverse("reviews:webhook-update", args=[endpoint.public_id]),
                     {f"{p}-url": "http://gone.invalid/hook", f"{p}-events": ["video.completed"], f"{p}-enabled": "on"})  # fmt: skip
    endpoint.refresh_from_db()
    assert on.status_code == 400 and "could not be found" in on.content.decode() and endpoint.enabled is False
