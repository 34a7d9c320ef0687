"""Who may call /v1: a valid token of an active member, checked on every request; errors in the contract's
envelope; sessions never count; a rate limit per token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from api.models import ApiToken
from tests.api.conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db
LIST = "/v1/videos"


def _error(response, status: int, code=None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    if code is not None:
        assert error["code"] == code
    return error


def test_a_valid_token_works_and_notes_its_use(alice, project):
    row, token = make_token(alice, project)

    r = ApiClient(token).get(LIST)

    assert r.status_code == 200 and r.json()["object"] == "list"
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert r["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic abc", "Bearer sk-not-ours", "Bearer sst_", "Bearer sst_abc", "Bearer sst_abc_def",
     "Bearer sst_\x00bcdef012345_secret", "Bearer sst_abcdef012345_\x00", "Bearer sst_abcdef012345_\ud800"],
)
def test_a_missing_or_malformed_token_is_401(alice, header):
    make_token(alice)
    r = Client().get(LIST, headers={"Authorization": header} if header else {})

    error = _error(r, 401)
    assert error["code"] in ("missing_api_key", "invalid_api_key")
    sent = header.partition(" ")[2].strip()
    assert not sent or sent not in error["message"]  # the key is never echoed


def test_a_token_with_a_wrong_secret_is_401(alice):
    row, token = make_token(alice)

    _error(ApiClient(token[:-2] + "xx").get(LIST), 401, "invalid_api_key")


def test_a_revoked_token_is_401(alice):
    row, token = make_token(alice)
    ApiToken.objects.filter(id=row.id).update(revoked_at=timezone.now())

    _error(ApiClient(token).get(LIST), 401, "token_revoked")


def test_an_expired_token_is_401(alice):
    row, token = make_token(alice, expires_days=1)
    ApiToken.objects.filter(id=row.id).update(expires_at=timezone.now() - timedelta(seconds=1))

    _error(ApiClient(token).get(LIST), 401, "token_expired")


def test_deactivating_the_user_disables_the_token_at_once(alice, project):
    row, token = make_token(alice, project)
    api = ApiClient(token)
    assert api.get(LIST).status_code == 200

    alice.is_active = False
    alice.save()

    _error(api.get(LIST), 401, "token_disabled")


def test_removing_the_member_disables_the_token_at_once(bob, project):
    row, token = make_token(bob, project)
    api = ApiClient(token)
    assert api.get(LIST).status_code == 200

    Membership.objects.filter(user=bob, project=project).delete()

    _error(api.get(LIST), 401, "token_disabled")


def test_a_session_is_not_a_token(client, alice):
    client.force_login(alice)

    _error(client.get(LIST), 401, "missing_api_key")


def test_a_read_only_token_cannot_write(alice, project):
    _, token = make_token(alice, project, read_only=True)

    r = ApiClient(token).post(LIST, json_body={"prompt": "A kite"})

    _error(r, 403, "read_only_token")
    assert not project.videos.exists()


def test_a_viewer_cannot_write(viewer, project):
    _, token = make_token(viewer, project)

    r = ApiClient(token).post(LIST, json_body={"prompt": "A kite"})

    _error(r, 403, "insufficient_role")
    assert not project.videos.exists()


def test_writes_need_no_csrf_token(alice, project, seeded_models):
    _, token = make_token(alice, project)

    r = ApiClient(token).post(LIST, json_body={"prompt": "A kite over a park"})  # enforce_csrf_checks is on

    assert r.status_code == 200, r.content


def test_an_unknown_route_or_method_is_answered_in_the_envelope(alice):
    _, token = make_token(alice)
    api = ApiClient(token)

    _error(api.get("/v1/models"), 404)
    _error(api.delete(LIST), 405)


def test_requests_are_rate_limited_per_token(alice, project, settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW_SECONDS = 60
    _, token = make_token(alice, project)
    _, other = make_token(alice, project)
    api = ApiClient(token)

    assert [api.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    r = api.get(LIST)

    error = _error(r, 429, "rate_limit_exceeded")
    assert error["type"] == "requests" and "3 requests per 60 s" in error["message"]
    assert 1 <= int(r["retry-after"]) <= 60
    assert ApiClient(other).get(LIST).status_code == 200  # another token has its own count
