"""The Team API in the audit log: tokens made, revoked and refused; writes and downloads made with a token name the
token as where they came from; a token's ordinary reads add nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api import payloads
from api.models import ApiToken
from audit.models import Entry
from tests.api.conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200


def only(action: str, **filters) -> Entry:
    entries = list(Entry.objects.filter(action=action, **filters))
    assert len(entries) == 1, [str(e) for e in Entry.objects.all()]
    return entries[0]


def test_making_and_revoking_a_token_on_the_settings_page_is_recorded(client, alice, project):
    client.force_login(alice)
    client.post(reverse("api:token-create"), {"name": "ci script", "project": str(project.public_id), "read_only": "0"},
                REMOTE_ADDR="198.51.100.4")  # fmt: skip
    token = ApiToken.objects.get(user=alice, name="ci script")
    made = only("token.create")
    assert (made.actor, made.via, made.ip_address, made.project) == (alice, "session", "198.51.100.4", project)
    assert (made.target_type, made.target_id) == ("api token", str(token.public_id))
    assert token.prefix in made.target_label and token.secret_hash not in str(made.__dict__)

    client.post(reverse("api:token-revoke", args=[token.public_id]))
    revoked = only("token.revoke")
    assert (revoked.actor, revoked.target_id, revoked.outcome) == (alice, str(token.public_id), "ok")


def test_refused_tokens_are_recorded_with_the_reason_but_not_a_request_without_one(alice, project):
    row, token = make_token(alice, project)
    ApiClient(None).get("/v1/videos")
    assert not Entry.objects.filter(action="token.use").exists()

    ApiClient(token[:-4] + "xxxx").get("/v1/videos", REMOTE_ADDR="2001:db8::1:" + row.prefix[:4])
    unknown = only("token.use", reason="invalid")
    assert (unknown.outcome, unknown.actor, unknown.via, unknown.target_type) == ("refused", None, "token", "")

    row.revoked_at = row.created_at
    row.save(update_fields=["revoked_at"])
    ApiClient(token).get("/v1/videos", REMOTE_ADDR="2001:db8::2:" + row.prefix[:4])
    revoked = only("token.use", reason="revoked")
    assert (revoked.outcome, revoked.actor, revoked.target_id, revoked.project) == (
        "refused", alice, str(row.public_id), project)


def test_a_download_with_a_token_is_recorded_once_and_reads_are_not(alice, project, make_video, seeded_models):
    row, token = make_token(alice, project)
    api = ApiClient(token)
    video = make_video(project, alice, video=MP4)
    url = f"/v1/videos/{payloads.video_id(video)}/content"

    assert api.get(f"/v1/videos/{payloads.video_id(video)}").status_code == 200
    assert api.get("/v1/videos").status_code == 200
    assert b"".join(api.get(url).streaming_content) == MP4
    api.get(url, headers={"Range": "bytes=100-"})  # the rest of the same download: not a second one

    download = only("video.download")
    assert (download.actor, download.via, download.target_id) == (alice, "token", str(video.public_id))
    assert row.prefix in download.via_label
    assert set(Entry.objects.values_list("action", flat=True)) - {"project.create"} == {"token.create", "video.download"}


def test_a_flood_of_bad_tokens_from_one_address_records_only_the_first_few(alice, project):
    import secrets

    from api.ratelimit import REFUSALS_RECORDED

    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # its own (the counts live in a shared cache)
    for _ in range(REFUSALS_RECORDED + 15):
        assert ApiClient("sst_abcdefgh_" + "x" * 40).get("/v1/videos", REMOTE_ADDR=address).status_code == 401
    assert Entry.objects.filter(action="token.use", ip_address=address).count() == REFUSALS_RECORDED
