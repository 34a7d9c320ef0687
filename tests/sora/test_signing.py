"""Webhook signatures (contract 5.1): our sign/verify, checked by hand and against the official openai SDK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import pytest
from openai import InvalidWebhookSignatureError, OpenAI

from videos.sora.signing import WebhookVerificationError, new_message_id, sign, verify

KEY_BYTES = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY_BYTES).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another secret of 32 bytes long!").decode()
MSG_ID = "wh_0123456789abcdef0123456789abcdef"
NOW = 1_760_000_000
BODY = json.dumps(
    {"id": "evt_1", "object": "event", "created_at": NOW, "type": "video.completed", "data": {"id": "video_1"}}
).encode()


def by_hand(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_sign_then_verify_returns_the_payload():
    headers = sign(SECRET, MSG_ID, NOW, BODY)

    assert verify(SECRET, headers, BODY, now=NOW) == json.loads(BODY)


def test_sign_makes_the_three_standard_webhooks_headers():
    headers = sign(SECRET, MSG_ID, NOW, BODY)

    assert headers == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1," + by_hand(KEY_BYTES, MSG_ID, NOW, BODY),
    }


def test_the_whsec_secret_is_base64_decoded_into_the_key():
    # The key is the decoded bytes, not the text of the secret.
    wrong = "v1," + by_hand(SECRET.encode(), MSG_ID, NOW, BODY)
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW), "webhook-signature": wrong}

    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, BODY, now=NOW)

    headers["webhook-signature"] = "v1," + by_hand(KEY_BYTES, MSG_ID, NOW, BODY)
    assert verify(SECRET, headers, BODY, now=NOW)["type"] == "video.completed"


@pytest.mark.parametrize("secret", ["", "plain-secret", base64.b64encode(KEY_BYTES).decode(), "whsec_", "whsec_!!!"])
def test_a_secret_that_is_not_whsec_base64_is_a_configuration_error(secret):
    headers = sign(SECRET, MSG_ID, NOW, BODY)

    with pytest.raises(ValueError) as info:
        verify(secret, headers, BODY, now=NOW)

    assert not isinstance(info.value, WebhookVerificationError)


def test_headers_are_matched_case_insensitively():
    headers = {name.title(): value for name, value in sign(SECRET, MSG_ID, NOW, BODY).items()}

    assert verify(SECRET, headers, BODY, now=NOW)["data"] == {"id": "video_1"}


@pytest.mark.parametrize("body", [BODY + b" ", BODY.replace(b"video_1", b"video_2"), b""])
def test_a_tampered_body_is_rejected(body):
    headers = sign(SECRET, MSG_ID, NOW, BODY)

    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, body, now=NOW)


@pytest.mark.parametrize(("header", "value"), [("webhook-id", "wh_other"), ("webhook-timestamp", str(NOW + 1))])
def test_a_changed_id_or_timestamp_is_rejected(header, value):
    headers = {**sign(SECRET, MSG_ID, NOW, BODY), header: value}

    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, BODY, now=NOW)


def test_the_wrong_secret_is_rejected():
    headers = sign(OTHER_SECRET, MSG_ID, NOW, BODY)

    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize(("age", "accepted"), [(0, True), (300, True), (301, False), (-300, True), (-301, False)])
def test_the_timestamp_must_be_within_300_seconds(age, accepted):
    headers = sign(SECRET, MSG_ID, NOW - age, BODY)

    if accepted:
        assert verify(SECRET, headers, BODY, now=NOW)
    else:
        with pytest.raises(WebhookVerificationError, match="too old" if age > 0 else "too new"):
            verify(SECRET, headers, BODY, now=NOW)


def test_the_tolerance_can_be_changed():
    headers = sign(SECRET, MSG_ID, NOW - 60, BODY)

    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(SECRET, headers, BODY, now=NOW, tolerance=30)
    assert verify(SECRET, headers, BODY, now=NOW, tolerance=60)


def test_verify_uses_the_clock_when_now_is_not_given():
    assert verify(SECRET, sign(SECRET, MSG_ID, int(time.time()), BODY), BODY)

    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(SECRET, sign(SECRET, MSG_ID, NOW, BODY), BODY)  # NOW is long past


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_rejected(missing):
    headers = sign(SECRET, MSG_ID, NOW, BODY)
    del headers[missing]

    with pytest.raises(WebhookVerificationError, match=missing):
        verify(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize("timestamp", ["soon", "17e8", "-1", "1.5", ""])
def test_a_timestamp_that_is_not_an_integer_is_rejected(timestamp):
    headers = {**sign(SECRET, MSG_ID, NOW, BODY), "webhook-timestamp": timestamp}

    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, BODY, now=NOW)


def test_any_of_several_signatures_may_match():
    good = sign(SECRET, MSG_ID, NOW, BODY)["webhook-signature"]
    headers = {**sign(SECRET, MSG_ID, NOW, BODY), "webhook-signature": f"v1,AAAA {good}"}

    assert verify(SECRET, headers, BODY, now=NOW)


def test_either_secret_verifies_during_a_rotation():
    old = sign(OTHER_SECRET, MSG_ID, NOW, BODY)["webhook-signature"]
    new = sign(SECRET, MSG_ID, NOW, BODY)["webhook-signature"]
    headers = {**sign(SECRET, MSG_ID, NOW, BODY), "webhook-signature": f"{old} {new}"}

    assert verify(SECRET, headers, BODY, now=NOW)
    assert verify(OTHER_SECRET, headers, BODY, now=NOW)


def test_only_v1_signatures_count():
    good = by_hand(KEY_BYTES, MSG_ID, NOW, BODY)
    for header in (f"v1a,{good}", f"v2,{good}", good):
        headers = {**sign(SECRET, MSG_ID, NOW, BODY), "webhook-signature": header}
        with pytest.raises(WebhookVerificationError):
            verify(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_signed_body_must_still_be_a_json_object_in_utf8(body):
    signature = "v1," + by_hand(KEY_BYTES, MSG_ID, NOW, body)
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW), "webhook-signature": signature}

    with pytest.raises(WebhookVerificationError):
        verify(SECRET, headers, body, now=NOW)


def test_new_message_ids_are_wh_and_32_hex_and_unique():
    ids = {new_message_id() for _ in range(50)}

    assert len(ids) == 50
    assert all(re.fullmatch(r"wh_[0-9a-f]{32}", value) for value in ids)


# ---------------------------------------------------------------------------------------------------------------
# The official SDK agrees
# ---------------------------------------------------------------------------------------------------------------
def sdk() -> OpenAI:
    return OpenAI(api_key="x", base_url="http://127.0.0.1:9/v1")


def test_the_openai_sdk_accepts_our_signature():
    headers = sign(SECRET, new_message_id(), int(time.time()), BODY)

    sdk().webhooks.verify_signature(BODY, headers, secret=SECRET)
    event = sdk().webhooks.unwrap(BODY, headers, secret=SECRET)
    assert event.type == "video.completed"


def test_the_openai_sdk_rejects_what_we_reject():
    headers = sign(SECRET, new_message_id(), int(time.time()), BODY)

    with pytest.raises(InvalidWebhookSignatureError):
        sdk().webhooks.verify_signature(BODY + b" ", headers, secret=SECRET)
    with pytest.raises(InvalidWebhookSignatureError):
        sdk().webhooks.verify_signature(BODY, headers, secret=OTHER_SECRET)


def test_we_accept_a_signature_the_sdk_accepts():
    # A rotation header shaped like the SDK's own check ("v1,AAAA v1,<good>"), verified by both.
    timestamp = int(time.time())
    good = by_hand(KEY_BYTES, MSG_ID, timestamp, BODY)
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,AAAA v1,{good}"}

    sdk().webhooks.verify_signature(BODY, headers, secret=SECRET)
    assert verify(SECRET, headers, BODY) == json.loads(BODY)
