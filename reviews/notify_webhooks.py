"""A project's outgoing webhooks: endpoints (URL, events, on/off), their derived secrets, and deliveries.

Signed the Standard Webhooks way, like the provider's own (videos/sora/signing.py): headers `webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with a `whsec_<base64>`
secret.

The secret is never stored. It is derived when needed:
    HMAC-SHA256(SECRET_KEY, "project-webhook:<endpoint public id>:<salt>")
where `salt` is 16 random bytes kept on the endpoint's row. The owner sees it once, when the endpoint is made and when
it is rotated (a new salt); a database dump alone does not give it. Changing SECRET_KEY changes every endpoint's secret
(rotate them, and tell the receivers).

Addresses: http(s) only, no credentials in the URL, and never a host that resolves to a link-local address
(169.254.0.0/16, fe80::/10, where cloud metadata lives) or another address that is not a host (multicast,
unspecified, reserved). Loopback and private addresses are allowed while WEBHOOK_ALLOW_PRIVATE is true (the default:
self-hosted wiring to a chat bot or CI on the same network). The address is checked when it is saved AND before
every attempt (DNS can change), and the connection is made to an address checked at that moment (no DNS rebinding
between the check and the connect); redirects are not followed.

Deliveries: one row per event and endpoint, sent by a task (reviews/notify_tasks.py) with a short timeout
(WEBHOOK_TIMEOUT_SECONDS), retried with exponential backoff (RETRY_BASE_SECONDS × 2^n) up to MAX_ATTEMPTS; a slow
receiver holds one task for at most the timeout, never a page.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from accounts.access import Role, require_actor_role
from accounts.actors import Actor
from accounts.models import Project
from providers import urls_check
from reviews.models import WebhookDelivery, WebhookEndpoint
from reviews.models.notify import WEBHOOK_EVENTS
from videos.sora import signing

log = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30  # then 60, 120, 240
MAX_ENDPOINTS = 10
USER_AGENT = "SoraStudio-Webhooks/1.0"


# ---------------------------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------------------------
def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's `whsec_` secret, derived from SECRET_KEY, its id and its salt (never stored)."""
    key = salted_hmac("project-webhook", f"{endpoint.public_id}:{endpoint.salt}", algorithm="sha256").digest()
    return signing.SECRET_PREFIX + base64.b64encode(key).decode()


def _new_salt() -> str:
    return secrets.token_hex(16)


# ---------------------------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------------------------
def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why this address may not receive webhooks ('' if it may): never where the studio never sends anything
    (providers.urls_check.never_reached); loopback and private ones as WEBHOOK_ALLOW_PRIVATE says."""
    kind = urls_check.never_reached(ip)
    if kind:
        return "a link-local or metadata address" if kind == "link-local" else "not a host address"
    ip = urls_check.host_address(ip)
    private = "" if settings.WEBHOOK_ALLOW_PRIVATE else "a loopback or private address (WEBHOOK_ALLOW_PRIVATE is off)"
    if ip.is_loopback:
        return private
    if ip.is_private or not ip.is_global:  # 10/8, 192.168/16, fc00::/7, 100.64/10 (CGNAT, Tailscale): own wiring
        return private
    return ""


def url_check(url: str) -> None:
    """Raise ValidationError (a message for the owner) unless webhooks may be sent to `url` now."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        raise ValidationError("Give the receiver's address (at most 2,000 characters).")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValidationError("The address may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("That is not a valid address.") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("The address must start with http:// or https://.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError("The address may not contain a user name or password.")
    host = parts.hostname
    if not host:
        raise ValidationError("The address has no host.")
    if host.lower() in urls_check.METADATA_HOSTS:
        raise ValidationError(f"The host {host} is a cloud metadata address: webhooks are not sent there.")
    _addresses(host, port or (443 if parts.scheme == "https" else 80))


def _addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, if every one of them may receive webhooks (else ValidationError)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise ValidationError(f"The host {host} could not be found.") from None
    found = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        why = _refusal(ip)
        if why:
            raise ValidationError(f"The host {host} resolves to {why}: webhooks are not sent there.")
        found.append(str(ip))
    if not found:
        raise ValidationError(f"The host {host} could not be found.")
    return found


class AddressRefused(OSError):
    """At connect time the host resolved to an address webhooks may not reach (DNS changed since the check)."""


# The sockets of the POST running on this thread (see _post: its deadline shuts them down).
_calls = threading.local()


class _Pinned:
    """A connection that resolves its host itself, checks the addresses and connects to a checked one: what is
    checked is what is reached, even if DNS answers differently from one lookup to the next. TLS still verifies
    the host name (only the TCP connection is made to the address)."""

    def _new_conn(self):
        try:
            addresses = list(dict.fromkeys(_addresses(self._dns_host, self.port)))
        except ValidationError as exc:
            raise AddressRefused(exc.messages[0]) from None
        name, failure = self._dns_host, None
        for address in addresses:  # in the resolver's order, as a plain connection would try them
            self._dns_host = address
            try:
                sock = super()._new_conn()
                sockets = getattr(_calls, "sockets", None)
                if sockets is not None:  # _post's deadline can cut it
                    sockets.append(sock)
                return sock
            except OSError as exc:  # NewConnectionError, ConnectTimeoutError
                failure = exc
            finally:
                self._dns_host = name  # the Host header, SNI and certificate check keep the name
        raise failure


class _PinnedHTTPConnection(_Pinned, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_Pinned, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class _PinnedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PinnedHTTPPool, "https": _PinnedHTTPSPool}


def _events(events) -> list[str]:
    chosen = [e for e in WEBHOOK_EVENTS if e in set(events or [])]
    unknown = set(events or []) - set(WEBHOOK_EVENTS)
    if unknown:
        raise ValidationError(f"Unknown event: {', '.join(sorted(map(str, unknown)))}.")
    if not chosen:
        raise ValidationError("Choose at least one event.")
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# Endpoints (the project's owner)
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def endpoint_create(
    *, actor: Actor, project: Project, url: str, events, enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown to the owner this once)."""
    require_actor_role(actor, project, Role.OWNER)
    url = (url or "").strip()
    url_check(url)
    Project.objects.select_for_update().filter(id=project.id).first()  # one creator at a time counts
    if project.webhook_endpoints.count() >= MAX_ENDPOINTS:
        raise ValidationError(f"A project has at most {MAX_ENDPOINTS} webhooks.")
    endpoint = WebhookEndpoint(project=project, url=url, events=_events(events), enabled=bool(enabled),
                               salt=_new_salt(), created_by=actor.user)  # fmt: skip
    # url_check is the rule for the URL (the model's URLValidator would refuse a single-label host such as
    # http://jenkins:8080/, which a self-hosted team's receiver often is).
    endpoint.full_clean(exclude=["url"])
    endpoint.save()
    _audit(actor, "webhook.create", endpoint)
    return endpoint, endpoint_secret(endpoint)


@transaction.atomic
def endpoint_update(*, actor: Actor, endpoint: WebhookEndpoint, url: str, events, enabled: bool) -> WebhookEndpoint:
    require_actor_role(actor, endpoint.project, Role.OWNER)
    url = (url or "").strip()
    if url != endpoint.url or enabled:  # an endpoint whose host stopped resolving can still be switched off
        url_check(url)
    endpoint.url, endpoint.events, endpoint.enabled = url, _events(events), bool(enabled)
    endpoint.full_clean(exclude=["url"])
    endpoint.save()
    _audit(actor, "webhook.update", endpoint)
    return endpoint


@transaction.atomic
def endpoint_rotate(*, actor: Actor, endpoint: WebhookEndpoint) -> str:
    """A new secret (the old one stops verifying at once); returned to be shown once."""
    require_actor_role(actor, endpoint.project, Role.OWNER)
    endpoint.salt = _new_salt()
    endpoint.save(update_fields=["salt", "updated_at"])
    _audit(actor, "webhook.rotate", endpoint)
    return endpoint_secret(endpoint)


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    require_actor_role(actor, endpoint.project, Role.OWNER)
    _audit(actor, "webhook.delete", endpoint)
    endpoint.delete()


@transaction.atomic
def endpoint_send_test(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint (whether or not it is enabled), through the same queue."""
    require_actor_role(actor, endpoint.project, Role.OWNER)
    data = {"object": "project", "id": str(endpoint.project.public_id), "endpoint": str(endpoint.public_id)}
    return _delivery_create(endpoint, TEST_EVENT, data)


def _audit(actor: Actor, action: str, endpoint: WebhookEndpoint) -> None:
    from audit import services as audit

    parts = urlsplit(endpoint.url)
    audit.record(actor=actor, action=action, target=("webhook", str(endpoint.public_id), parts.hostname or ""),
                 project=endpoint.project,
                 detail={"host": parts.hostname or "", "events": list(endpoint.events), "enabled": endpoint.enabled})  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Deliveries
# ---------------------------------------------------------------------------------------------------------------
def _body(event: str, data: dict, when: datetime) -> str:
    return json.dumps({"type": event, "timestamp": when.isoformat().replace("+00:00", "Z"), "data": data},
                      separators=(",", ":"), ensure_ascii=False)  # fmt: skip


def _delivery_create(endpoint: WebhookEndpoint, event: str, data: dict) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, message_id=signing.new_message_id(), event=event, payload=_body(event, data, now),
        next_attempt_at=now,
    )  # fmt: skip
    from reviews import notify_tasks

    transaction.on_commit(lambda: notify_tasks.enqueue_delivery(delivery.id))
    return delivery


def event_emit(*, project_id: int, event: str, data: dict) -> list[WebhookDelivery]:
    """One delivery for each of the project's enabled endpoints that takes `event` (sent after commit)."""
    made = []
    with transaction.atomic():
        for endpoint in WebhookEndpoint.objects.filter(project_id=project_id, enabled=True):
            if endpoint.wants(event):
                made.append(_delivery_create(endpoint, event, data))
    return made


def lease_seconds() -> float:
    """How long a claimed attempt is held: well past its task's own limit (notify_tasks), so a lease never runs out
    while its attempt still sends (which would let a second worker send the same delivery)."""
    return 3 * settings.WEBHOOK_TIMEOUT_SECONDS + 30


def _unheld(now: datetime) -> Q:
    """Deliveries no worker holds now (never claimed, or their lease ran out)."""
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Hold a due delivery for one attempt, and count the attempt now: one that never finishes (its worker killed)
    still counts, so a delivery cannot be retried forever."""
    free = _unheld(now)
    pending = {"id": delivery_id, "status": WebhookDelivery.Status.PENDING}
    WebhookDelivery.objects.filter(free, attempts__gte=MAX_ATTEMPTS, **pending).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, lease_until=None,
        error=f"Gave up after {MAX_ATTEMPTS} attempts (the last did not finish).",
    )  # fmt: skip
    claimed = WebhookDelivery.objects.filter(free, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS, **pending).update(
        lease_until=now + timedelta(seconds=lease_seconds()), attempts=F("attempts") + 1
    )  # fmt: skip
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(id=delivery_id)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST once; the answer's status code. Raises requests.RequestException when no whole answer (its status line
    and headers) came within the timeout: one deadline for the whole request, not per socket read (a receiver that
    trickles its headers a byte at a time is cut off at the deadline)."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    sockets: list = []
    cut = threading.Event()

    def deadline():
        cut.set()
        for sock in list(sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, deadline)
    timer.daemon = True
    _calls.sockets = sockets
    timer.start()
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxy from the environment: the address checked is the address reached
            session.mount("http://", _PinnedAdapter(max_retries=0))
            session.mount("https://", _PinnedAdapter(max_retries=0))
            response = session.post(url, data=body, headers=headers, timeout=(timeout, timeout),
                                    allow_redirects=False, stream=True)  # fmt: skip
            response.close()  # the body is not read: a receiver that trickles it holds nothing
            return response.status_code
    except requests.RequestException:
        if cut.is_set():
            raise requests.Timeout(f"No answer within {timeout:g} s.") from None
        raise
    finally:
        timer.cancel()
        _calls.sockets = None


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery once, if it is due and no other worker holds it; record the outcome and the next attempt.
    Safe to run twice (the second finds it held, done or not yet due)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    code, error = None, ""
    disabled = not endpoint.enabled and delivery.event != TEST_EVENT
    if disabled:
        error = "The webhook was disabled."
    else:
        try:
            url_check(endpoint.url)
        except ValidationError as exc:
            error = exc.messages[0]
    if not error:
        body = delivery.payload.encode()
        headers = {"content-type": "application/json", "user-agent": USER_AGENT}
        headers.update(signing.sign(endpoint_secret(endpoint), delivery.message_id, int(time.time()), body))
        try:
            code = _post(endpoint.url, body, headers)
            if not 200 <= code < 300:
                error = f"The receiver answered {code}."
        except requests.Timeout:
            error = f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} s."
        except requests.ConnectionError as exc:
            refused = _refused_in(exc)
            error = str(refused) if refused else "Could not connect to the receiver."
        except requests.RequestException as exc:
            error = f"The request failed ({type(exc).__name__})."
    return _record(delivery, code, error, now, give_up=disabled)


def _refused_in(exc: BaseException) -> AddressRefused | None:
    """The AddressRefused behind a requests error (wrapped by urllib3 and requests), if that is what it was."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop()
        if isinstance(current, AddressRefused):
            return current
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        todo += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
    return None


def _record(delivery: WebhookDelivery, code: int | None, error: str, now: datetime, *,
            give_up: bool = False) -> WebhookDelivery:  # fmt: skip
    attempts = delivery.attempts  # counted when claimed
    fields = {"last_status_code": code, "error": error[:300], "lease_until": None}
    if not error:
        fields |= {"status": WebhookDelivery.Status.SUCCEEDED, "delivered_at": timezone.now(), "next_attempt_at": None}
    elif attempts >= MAX_ATTEMPTS or give_up:
        fields |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
    else:
        fields["next_attempt_at"] = now + timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    if error:
        log.info("webhook delivery %s (%s) to %s: %s", delivery.message_id, delivery.event,
                 urlsplit(delivery.endpoint.url).hostname, error)  # fmt: skip
    WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
    delivery.refresh_from_db()
    return delivery


def deliveries_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Pending deliveries whose next attempt is due and that no worker holds (the clock enqueues them)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(_unheld(now), status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at").values_list("id", flat=True)[:limit]
    )  # fmt: skip
