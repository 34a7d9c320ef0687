"""Deliveries to a real HTTP receiver on 127.0.0.1: a 500 is retried with exponential backoff and then succeeds;
five failures give up; a receiver that sleeps times out within WEBHOOK_TIMEOUT_SECONDS and holds nothing else up;
the address is checked again before each attempt (DNS can change)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from reviews import notify_tasks, notify_webhooks
from reviews.models import WebhookDelivery, WebhookEndpoint
from tests.reviews.notify.conftest import make_endpoint
from tests.reviews.notify.receiver import Receiver

Status = WebhookDelivery.Status


def _event(endpoint):
    """A test event for `endpoint`, stored (not yet sent: this test's transaction never commits)."""
    from accounts.actors import Actor

    return notify_webhooks.endpoint_send_test(actor=Actor.of_user(endpoint.created_by), endpoint=endpoint)


def test_a_500_is_retried_with_backoff_then_succeeds(alice, project):
    with Receiver(codes=[500, 503]) as receiver:
        endpoint, _ = make_endpoint(project, alice, receiver.url)
        delivery = _event(endpoint)
        now = timezone.now()

        first = notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=now)
        assert (first.status, first.attempts, first.last_status_code) == (Status.PENDING, 1, 500)
        assert first.error == "The receiver answered 500." and first.next_attempt_at == now + timedelta(seconds=30)
        assert notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=now + timedelta(seconds=10)) is None
        assert notify_webhooks.deliveries_due(now=now + timedelta(seconds=10)) == []
        assert notify_webhooks.deliveries_due(now=now + timedelta(seconds=30)) == [delivery.id]

        second = notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=now + timedelta(seconds=30))
        assert (second.attempts, second.last_status_code) == (2, 503)
        assert second.next_attempt_at == now + timedelta(seconds=30 + 60)  # doubled

        third = notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=now + timedelta(seconds=90))
        assert (third.status, third.attempts, third.last_status_code, third.error) == (Status.SUCCEEDED, 3, 200, "")
        assert third.delivered_at and third.next_attempt_at is None
        ids = {r["headers"]["webhook-id"] for r in receiver.requests}
        assert len(receiver.requests) == 3 and ids == {delivery.message_id}  # the same id on every attempt


def test_five_failures_give_up(alice, project):
    with Receiver(codes=[500] * 10) as receiver:
        endpoint, _ = make_endpoint(project, alice, receiver.url)
        delivery = _event(endpoint)
        moment = timezone.now()
        for _ in range(notify_webhooks.MAX_ATTEMPTS):
            row = notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=moment)
            moment = row.next_attempt_at or moment
        assert (row.status, row.attempts, row.next_attempt_at) == (Status.FAILED, 5, None)
        assert notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=moment + timedelta(days=1)) is None
        assert len(receiver.requests) == 5


def test_a_slow_receiver_times_out_and_holds_nothing_else_up(alice, project, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    with Receiver(delay=5) as slow, Receiver() as fast:
        slow_endpoint, _ = make_endpoint(project, alice, slow.url)
        fast_endpoint, _ = make_endpoint(project, alice, fast.url)
        stuck, other = _event(slow_endpoint), _event(fast_endpoint)

        started = time.monotonic()
        row = notify_webhooks.delivery_attempt(delivery_id=stuck.id)
        assert time.monotonic() - started < 3
        assert (row.status, row.attempts, row.last_status_code) == (Status.PENDING, 1, None)
        assert row.error == "No answer within 0.5 s." and row.lease_until is None

        assert notify_webhooks.delivery_attempt(delivery_id=other.id).status == Status.SUCCEEDED
        assert len(fast.requests) == 1


def test_the_address_is_checked_again_before_sending(alice, project, receiver):
    endpoint, _ = make_endpoint(project, alice, receiver.url)
    delivery = _event(endpoint)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(url="http://169.254.169.254/latest/meta-data/")

    row = notify_webhooks.delivery_attempt(delivery_id=delivery.id)

    assert row.attempts == 1 and row.last_status_code is None and "link-local" in row.error
    assert receiver.requests == []


def test_a_disabled_endpoint_sends_nothing_more(alice, project, make_video, receiver):
    from reviews.notify_services import video_outcome_notify

    endpoint, _ = make_endpoint(project, alice, receiver.url)
    video_outcome_notify(video_id=make_video(project, alice).id, new="completed")
    WebhookEndpoint.objects.filter(id=endpoint.id).update(enabled=False)

    row = notify_webhooks.delivery_attempt(delivery_id=WebhookDelivery.objects.get().id)

    assert (row.status, row.error) == (Status.FAILED, "The webhook was disabled.") and receiver.requests == []


def test_the_clock_sends_what_is_due(alice, project, receiver):
    endpoint, _ = make_endpoint(project, alice, receiver.url)
    delivery = _event(endpoint)  # its on-commit enqueue never runs here (this test's transaction never commits)

    notify_tasks.notify_tick()  # the schedule: due deliveries are enqueued (sync mode: sent at once)

    assert WebhookDelivery.objects.get(id=delivery.id).status == Status.SUCCEEDED and len(receiver.requests) == 1


def test_a_host_rebound_to_a_metadata_address_after_the_check_is_not_reached(alice, project, receiver, monkeypatch):
    """DNS answers a loopback address to the checks (at save, before sending), then the metadata address to the
    connection: the connection goes only to an address checked at that moment, so nothing is sent."""
    import socket

    port = receiver.server.server_address[1]
    answers = iter(["127.0.0.1", "127.0.0.1", "169.254.169.254"])
    real = socket.getaddrinfo

    def rebinding_dns(host, *args, **kwargs):
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    endpoint, _ = make_endpoint(project, alice, f"http://hooks.example.test:{port}/hooks/studio")

    row = notify_webhooks.delivery_attempt(delivery_id=_event(endpoint).id)

    assert row.status == Status.PENDING and row.last_status_code is None
    assert row.error == ("The host hooks.example.test resolves to a link-local or metadata address: webhooks are not "
                         "sent there.")  # fmt: skip
    assert receiver.requests == []


def test_a_name_is_reached_at_its_checked_address_with_its_own_host_header(alice, project, receiver):
    endpoint, _ = make_endpoint(project, alice, receiver.url.replace("127.0.0.1", "localhost"))
    row = notify_webhooks.delivery_attempt(delivery_id=_event(endpoint).id)
    assert row.status == Status.SUCCEEDED
    assert receiver.requests[0]["headers"]["Host"].startswith("localhost:")


def test_a_receiver_that_trickles_its_headers_is_cut_off_at_the_deadline(alice, project, settings):
    """The timeout is one deadline for the whole answer, not a limit per socket read: a receiver sending its status
    line a byte at a time (each byte well within the timeout) is cut off when the deadline passes."""
    import socket
    import threading

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        conn, _ = server.accept()
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok":
                if stop.wait(0.2):
                    break
                conn.sendall(bytes([byte]))
        except OSError:
            pass  # the studio hung up: what this test wants
        finally:
            conn.close()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        endpoint, _ = make_endpoint(project, alice, f"http://127.0.0.1:{server.getsockname()[1]}/hook")
        started = time.monotonic()
        row = notify_webhooks.delivery_attempt(delivery_id=_event(endpoint).id)
        assert time.monotonic() - started < 3  # the whole answer would take 8 s
        assert (row.status, row.attempts, row.error) == (Status.PENDING, 1, "No answer within 0.5 s.")
    finally:
        stop.set()
        server.close()


def test_attempts_that_never_finish_still_count_and_end_in_failure(alice, project, receiver):
    """An attempt is counted when claimed: one whose worker died (no outcome recorded) counts, so the delivery is
    not retried forever; after the last one it is failed, and a lease still held keeps a second sender out."""
    endpoint, _ = make_endpoint(project, alice, receiver.url)
    delivery = _event(endpoint)
    now = timezone.now()
    for n in range(1, notify_webhooks.MAX_ATTEMPTS + 1):
        assert notify_webhooks._claim(delivery.id, now).attempts == n  # then the worker dies
        assert notify_webhooks._claim(delivery.id, now) is None  # held: nobody sends it twice
        now += timedelta(seconds=notify_webhooks.lease_seconds() + 1)
    assert notify_webhooks.delivery_attempt(delivery_id=delivery.id, now=now) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, notify_webhooks.MAX_ATTEMPTS)
    assert "did not finish" in delivery.error and receiver.requests == []
