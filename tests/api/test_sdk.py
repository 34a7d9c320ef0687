"""The official openai SDK (sync and async) pointed at the studio's /v1 with a personal token, the studio's
pipeline running against its simulator: what a member's script does, end to end."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time

import openai
import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from openai.types import Video as SdkVideo

from api import payloads
from api.models import ApiToken
from quotas.models import QuotaRule, QuotaUsage
from tests.api.conftest import make_token
from tests.conftest import image_bytes, sim_client
from videos.models import Video
from videos.sora.errors import SoraError
from videos.sora.simulator.models import SimVideo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def polls_allowed(settings):
    """The tests' pipeline answers within ms (POLL_MIN_SECONDS 0.05), so the SDK polls 20 times a second."""
    settings.API_RATE_LIMIT = 100_000


@pytest.fixture
def sdk(studio, workers, alice, project):
    """A sync client for alice's token in the team project."""
    _, token = make_token(alice, project)
    client = openai.OpenAI(base_url=studio.url + "/v1", api_key=token, max_retries=0)
    client.token = token
    return client


def _row(video_id: str) -> Video:
    return Video.objects.get(public_id=payloads.public_id_of(video_id))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_create_and_poll_download_every_variant_and_from_the_archive_after_the_provider_expired(sdk, alice, project):
    video = sdk.videos.create_and_poll(prompt="A paper boat on a rain puddle, close-up", size="1280x720", seconds="4")

    assert video.status == "completed", video.error
    assert video.progress == 100 and video.seconds == "4" and video.size == "1280x720"
    row = _row(video.id)
    assert (row.owner, row.project, row.created_via) == (alice, project, "token")
    assert row.upstream_id and row.upstream_id not in video.model_dump_json()
    files = {}
    for variant in ("video", "thumbnail", "spritesheet"):
        data = sdk.videos.download_content(video.id, variant=variant).read()
        assert _sha(data) == row.asset_map[variant].sha256
        files[variant] = data
    assert files["video"][4:8] == b"ftyp" and files["thumbnail"][:4] == b"RIFF" and files["spritesheet"][:2] == b"\xff\xd8"

    # The provider's link expires (its files are gone there): the studio still serves its archive.
    SimVideo.objects.filter(Q(id=row.upstream_id) | Q(upstream_id=row.upstream_id)).update(expires_at=int(time.time()) - 1)
    with pytest.raises(SoraError) as gone:
        sim_client().download(row.upstream_id, io.BytesIO(), variant="video")
    assert gone.value.status in (404, 410)
    assert _sha(sdk.videos.download_content(video.id).read()) == _sha(files["video"])


def test_the_video_is_in_the_members_gallery_and_counts_against_their_quota(sdk, alice, project):
    rule = QuotaRule.objects.create(user=alice, period=QuotaRule.Period.DAY, max_videos=1)

    video = sdk.videos.create_and_poll(prompt="A red kite over a park at golden hour", size="720x1280")

    browser = Client()
    browser.force_login(alice)
    gallery = browser.get(reverse("videos:project-gallery", args=[project.public_id])).content.decode()
    assert str(_row(video.id).public_id) in gallery
    assert QuotaUsage.objects.get(rule=rule, user=alice).videos == 1
    with pytest.raises(openai.RateLimitError) as refused:
        sdk.with_options(max_retries=2).videos.create(prompt="One more")
    error = refused.value.body
    assert refused.value.code == "daily_videos_quota_exceeded" and "0 are left until" in error["message"]
    assert refused.value.response.headers["x-should-retry"] == "false"
    assert Video.objects.count() == 1


def test_remix_edit_extend_and_their_lineage(sdk):
    parent = sdk.videos.create_and_poll(prompt="A lighthouse at dusk, wide shot", size="1280x720")

    remix = sdk.videos.poll(sdk.videos.remix(parent.id, prompt="Same, in a snowstorm").id)
    by_field = sdk.videos.poll(sdk.videos.create(prompt="Same, at dawn", extra_body={"remix_video_id": parent.id}).id)
    # The SDK's edit()/extend() cannot send {"id": ...} (contract 3.7): the low-level post, as OpenAI's skill does.
    edit = sdk.videos.poll(sdk.post("/videos/edits", cast_to=SdkVideo, body={"prompt": "Add gulls",
                                                                               "video": {"id": parent.id}}).id)  # fmt: skip
    extension = sdk.videos.poll(sdk.post("/videos/extensions", cast_to=SdkVideo, body={
        "prompt": "The light turns on", "video": {"id": parent.id}, "seconds": "4"}).id)  # fmt: skip

    for child in (remix, by_field, edit, extension):
        assert child.status == "completed", child.error
        assert child.remixed_from_video_id == parent.id
    assert extension.seconds == "8" and remix.seconds == parent.seconds
    assert [_row(v.id).operation for v in (remix, by_field, edit, extension)] == ["remix", "remix", "edit", "extend"]


def test_list_pagination_and_delete(sdk, alice, project, make_video):
    made = [make_video(project, alice, prompt=f"shot {i}", video=b"\x00\x00\x00\x18ftypmp42") for i in range(5)]
    ids = [payloads.video_id(v) for v in reversed(made)]  # newest first

    first = sdk.videos.list(limit=2)
    assert [v.id for v in first.data] == ids[:2] and first.has_more
    assert [v.id for v in sdk.videos.list(limit=2)] == ids  # auto-pagination follows after=last_id
    assert [v.id for v in sdk.videos.list(limit=3, order="asc")] == list(reversed(ids))

    deleted = sdk.videos.delete(ids[0])
    assert (deleted.id, deleted.deleted, deleted.object) == (ids[0], True, "video.deleted")
    assert [v.id for v in sdk.videos.list()] == ids[1:]
    with pytest.raises(openai.NotFoundError):
        sdk.videos.retrieve(ids[0])


def test_create_with_an_input_reference_file(sdk):
    video = sdk.videos.create_and_poll(
        prompt="The scene comes alive", size="720x1280",
        input_reference=("first.png", image_bytes("PNG", size=(720, 1280), color=(20, 120, 200)), "image/png"),
    )  # fmt: skip

    assert video.status == "completed", video.error
    assert "reference" in _row(video.id).asset_map


def test_every_error_reaches_the_sdk_as_its_exception(sdk, studio, alice, bob, viewer, charlie, project, make_video,
                                                      settings):  # fmt: skip
    base = studio.url + "/v1"
    theirs = make_video(charlie.projects.get(), charlie)

    def client(token: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=base, api_key=token, max_retries=0)

    with pytest.raises(openai.AuthenticationError):
        client("sst_nothing_here").videos.list()
    revoked, revoked_token = make_token(alice, project)
    revoked.revoked_at = revoked.created_at
    revoked.save()
    with pytest.raises(openai.AuthenticationError) as exc:
        client(revoked_token).videos.list()
    assert exc.value.code == "token_revoked"
    expired, expired_token = make_token(alice, project, expires_days=1)
    ApiToken.objects.filter(id=expired.id).update(expires_at=revoked.created_at)
    with pytest.raises(openai.AuthenticationError):
        client(expired_token).videos.list()
    with pytest.raises(openai.PermissionDeniedError) as exc:
        client(make_token(alice, project, read_only=True)[1]).videos.create(prompt="x")
    assert exc.value.code == "read_only_token"
    with pytest.raises(openai.PermissionDeniedError) as exc:
        client(make_token(viewer, project)[1]).videos.create(prompt="x")
    assert exc.value.code == "insufficient_role"
    with pytest.raises(openai.NotFoundError):
        sdk.videos.retrieve(payloads.video_id(theirs))
    with pytest.raises(openai.NotFoundError):
        sdk.videos.download_content(payloads.video_id(theirs))
    with pytest.raises(openai.BadRequestError) as exc:
        sdk.videos.create(prompt="x", size="1792x1024", model="sora-2")
    assert exc.value.param == "size"
    with pytest.raises(openai.BadRequestError):
        sdk.videos.create(prompt="")
    settings.API_UPLOAD_MAX_BYTES = 4096
    with pytest.raises(openai.BadRequestError) as exc:
        sdk.videos.create(prompt="x", input_reference=("big.png", b"\x89PNG" + b"\x00" * 10000, "image/png"))
    assert exc.value.code == "file_too_large"
    assert not Video.objects.exclude(id=theirs.id).exists()

    settings.API_RATE_LIMIT = 2
    limited = client(make_token(bob, project)[1])
    limited.videos.list()
    limited.videos.list()
    with pytest.raises(openai.RateLimitError) as exc:
        limited.videos.list()
    assert int(exc.value.response.headers["retry-after"]) >= 1


def test_the_async_client(studio, workers, alice, project):
    _, token = make_token(alice, project)

    async def script():
        client = openai.AsyncOpenAI(base_url=studio.url + "/v1", api_key=token, max_retries=0)
        video = await client.videos.create_and_poll(prompt="A hummingbird at a feeder, slow motion", size="1280x720")
        content = await client.videos.download_content(video.id, variant="thumbnail")
        page = await client.videos.list(limit=1)
        remix = await client.videos.poll((await client.videos.remix(video.id, prompt="Same, at dusk")).id)
        with pytest.raises(openai.NotFoundError):
            await client.videos.retrieve("video_" + "0" * 48)
        return video, content.read(), page, remix

    video, thumbnail, page, remix = asyncio.run(script())

    assert video.status == remix.status == "completed"
    assert _sha(thumbnail) == _row(video.id).asset_map["thumbnail"].sha256
    assert [v.id for v in page.data] == [video.id] and page.has_more is False  # listed before the remix
