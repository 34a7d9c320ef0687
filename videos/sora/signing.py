"""Standard Webhooks signatures, as OpenAI sends them (contract section 5.1, ECOSYSTEM section 4).

``sign`` is what the simulator puts on a delivery; ``verify`` is what the studio's webhook view checks.

The signature is ``base64(HMAC-SHA256(key, f"{webhook_id}.{webhook_timestamp}.{raw body}"))``, sent as
``webhook-signature: v1,<base64>`` (a space-separated list during secret rotation). Only ``whsec_`` secrets are
accepted: the key is the base64 after the prefix. ``standardwebhooks`` computes the HMAC; verification is done
here because that package cannot take a clock or a tolerance and raises a bare ``ValueError`` on a signature part
without a comma. Every rejected delivery raises ``WebhookVerificationError``; a misconfigured secret raises
``ValueError`` (a server problem, not a bad request).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class WebhookVerificationError(Exception):
    """The delivery is not authentic or not fresh: answer 400 and do nothing."""


def new_message_id() -> str:
    """A delivery id: ``wh_`` + 32 lowercase hex characters."""
    return "wh_" + secrets.token_hex(16)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    moment = datetime.fromtimestamp(int(timestamp), tz=UTC)
    return Webhook(_key(secret)).sign(msg_id=msg_id, timestamp=moment, data=body.decode("utf-8"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for a delivery of ``body``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a delivery and return its parsed JSON payload, or raise ``WebhookVerificationError``.

    ``headers`` may be Django's ``request.headers`` or any mapping (names are matched case-insensitively);
    ``body`` must be the raw request body. ``now`` (Unix seconds) defaults to the current time.
    """
    key = _key(secret)
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = _header(lowered, "webhook-id")
    raw_timestamp = _header(lowered, "webhook-timestamp")
    raw_signatures = _header(lowered, "webhook-signature")

    timestamp = _fresh_timestamp(raw_timestamp, tolerance=tolerance, now=time.time() if now is None else now)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookVerificationError("body is not UTF-8") from None
    expected = Webhook(key).sign(
        msg_id=msg_id, timestamp=datetime.fromtimestamp(timestamp, tz=UTC), data=text
    ).encode()
    candidates = _v1_signatures(raw_signatures)
    if not any(hmac.compare_digest(expected, b"v1," + candidate) for candidate in candidates):
        raise WebhookVerificationError("no matching signature")
    return _payload(text)


def _key(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret must start with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook secret is not valid base64 after whsec_") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value or not value.strip():
        raise WebhookVerificationError(f"missing {name} header")
    return value.strip()


def _fresh_timestamp(raw: str, *, tolerance: int, now: float) -> int:
    if not _TIMESTAMP.fullmatch(raw):
        raise WebhookVerificationError("invalid webhook-timestamp header")
    timestamp = int(raw)
    if now - timestamp > tolerance:
        raise WebhookVerificationError("message timestamp too old")
    if timestamp > now + tolerance:
        raise WebhookVerificationError("message timestamp too new")
    return timestamp


def _v1_signatures(raw: str) -> list[bytes]:
    """The base64 parts of the ``v1,...`` entries; other schemes are ignored, malformed entries rejected."""
    candidates = []
    for entry in raw.split():
        version, comma, value = entry.partition(",")
        if not comma or not version or not value:
            raise WebhookVerificationError("malformed webhook-signature header")
        if version == "v1":
            candidates.append(value.encode("utf-8"))
    return candidates


def _payload(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except ValueError:
        raise WebhookVerificationError("body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookVerificationError("body is not a JSON object")
    return payload
