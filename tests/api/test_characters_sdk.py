"""Characters through the official openai SDK pointed at the studio's /v1, the pipeline running against the
simulator: a clip becomes a character of the token's project, a video made with it completes, the provider learns
it under its own id (never shown), and the studio's pages show it; every refusal reaches the SDK as its exception."""

from __future__ import annotations

import asyncio

import openai
import pytest
from django.test import Client
from django.urls import reverse
from openai.types import Video as SdkVideo

from api import payloads
from characters.models import Appearance, Character, CharacterUpload
from characters.selectors import cast_of
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from tests.api.conftest import make_token
from tests.characters import conftest as clips
from videos.models import Video
from videos.sora.simulator.models import SimCharacter

pytestmark = pytest.mark.django_db(transaction=True)
clip_files, upload = clips.clip_files, clips.upload  # the cast's test clips (fixtures), made as tests/characters does


@pytest.fixture(autouse=True)
def polls_allowed(settings):
    settings.API_RATE_LIMIT = 100_000


@pytest.fixture
def sdk(studio, workers, alice, project):
    _, token = make_token(alice, project)
    return openai.OpenAI(base_url=studio.url + "/v1", api_key=token, max_retries=0)


def _character(sdk, clip_files, name: str, clip: str = "portrait"):
    with open(clip_files(clip), "rb") as fh:
        return sdk.videos.create_character(name=name, video=(f"{name}.mp4", fh, "video/mp4"))


def _row(video_id: str) -> Video:
    return Video.objects.get(public_id=payloads.public_id_of(video_id))


def test_a_character_from_a_clip_is_in_a_video_that_completes_and_on_the_studios_pages(
    sdk, alice, bob, project, clip_files
):
    mika = _character(sdk, clip_files, "Mika")
    jo = _character(sdk, clip_files, "Jo", "landscape")

    row = Character.objects.get(name="Mika")
    assert mika.id == payloads.character_id(row) and mika.name == "Mika" and mika.created_at > 0
    assert (row.project, row.created_by) == (project, alice)
    assert sdk.videos.get_character(mika.id).model_dump() == mika.model_dump()

    # The SDK's create sends multipart: extra_body's characters arrive flattened (characters[][id]).
    video = sdk.videos.create_and_poll(prompt="Mika hands Jo a parcel", size="720x1280",
                                       extra_body={"characters": [{"id": mika.id}, {"id": jo.id}]})  # fmt: skip
    # A JSON create (the form OpenAI's own skill sends, through the low-level post).
    alone = sdk.videos.poll(sdk.post("/videos", cast_to=SdkVideo, body={
        "prompt": "Jo alone at the station", "size": "1280x720", "characters": [{"id": jo.id}]}).id)  # fmt: skip

    assert video.status == "completed", video.error
    assert alone.status == "completed", alone.error
    made = _row(video.id)
    assert [c.name for c in cast_of(made)] == ["Mika", "Jo"] and [c.name for c in cast_of(_row(alone.id))] == ["Jo"]
    assert made.created_via == "token"
    # The provider learnt each character once, under its own id, which the API never shows.
    uploads = {u.character.name: u.upstream_id for u in CharacterUpload.objects.select_related("character")}
    assert set(uploads) == {"Mika", "Jo"} and SimCharacter.objects.count() == 2
    assert set(SimCharacter.objects.values_list("id", flat=True)) == set(uploads.values())
    assert not {mika.id, jo.id} & set(uploads.values())
    shown = sdk.videos.get_character(mika.id).model_dump_json() + sdk.videos.retrieve(video.id).model_dump_json()
    assert not any(upstream in shown for upstream in uploads.values())

    browser = Client()
    browser.force_login(bob)  # another member of the project sees what the token made
    cast_page = browser.get(reverse("characters:cast", args=[project.public_id])).content.decode()
    assert "Mika" in cast_page and "Jo" in cast_page and str(row.public_id) in cast_page
    page = browser.get(reverse("videos:detail", args=[made.public_id])).content.decode()
    assert "<dt>Characters</dt>" in page and "Mika" in page and "Jo" in page


def test_every_refusal_reaches_the_sdk_and_nothing_is_made(sdk, studio, alice, viewer, charlie, project, clip_files):
    mika = _character(sdk, clip_files, "Mika")
    jo = _character(sdk, clip_files, "Jo")
    ann = _character(sdk, clip_files, "Ann")
    stranger = openai.OpenAI(base_url=studio.url + "/v1", api_key=make_token(charlie)[1], max_retries=0)
    theirs = _character(stranger, clip_files, "Stranger")
    videos_before = Video.objects.count()

    with pytest.raises(openai.BadRequestError) as three:
        sdk.videos.create(prompt="A crowd", extra_body={"characters": [{"id": c.id} for c in (mika, jo, ann)]})
    assert three.value.body["param"] == "characters" and "at most 2" in three.value.message
    with pytest.raises(openai.BadRequestError) as foreign:
        sdk.videos.create(prompt="Who?", extra_body={"characters": [{"id": theirs.id}]})
    assert f"no character found with id '{theirs.id}'" in foreign.value.message
    with pytest.raises(openai.BadRequestError):
        sdk.videos.create(prompt="Who?", extra_body={"characters": [{"id": "char_123"}]})
    with pytest.raises(openai.NotFoundError):
        sdk.videos.get_character(theirs.id)
    with pytest.raises(openai.NotFoundError):
        stranger.videos.get_character(mika.id)

    plain = Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                                    profile={"routes": {"characters": False}})  # fmt: skip
    ProviderModel.objects.create(provider=plain, name="wan", prices={"720x1280": "0.05"}, seconds=["4"])
    with pytest.raises(openai.BadRequestError) as no_cast:
        sdk.videos.create(prompt="Mika", model="plain:wan", size="720x1280",
                          extra_body={"characters": [{"id": mika.id}]})  # fmt: skip
    assert no_cast.value.body["param"] == "characters" and "cannot use characters" in no_cast.value.message

    with pytest.raises(openai.PermissionDeniedError):
        _character(openai.OpenAI(base_url=studio.url + "/v1", api_key=make_token(viewer, project)[1],
                                 max_retries=0), clip_files, "Vera")  # fmt: skip
    with pytest.raises(openai.PermissionDeniedError):
        _character(openai.OpenAI(base_url=studio.url + "/v1", api_key=make_token(alice, project, read_only=True)[1],
                                 max_retries=0), clip_files, "Ro")  # fmt: skip
    with pytest.raises(openai.BadRequestError) as long:
        _character(sdk, clip_files, "Long", "long")
    assert long.value.body["param"] == "video" and "2 to 4 seconds" in long.value.message

    Provider.objects.exclude(slug="plain").update(is_active=False)
    with pytest.raises(openai.BadRequestError) as none:
        _character(sdk, clip_files, "Nobody")
    assert none.value.code == "unsupported_parameter"

    assert Video.objects.count() == videos_before == 0
    assert not QuotaCharge.objects.exists() and not Appearance.objects.exists()
    assert sorted(Character.objects.values_list("name", flat=True)) == ["Ann", "Jo", "Mika", "Stranger"]


def test_the_async_client(studio, workers, alice, project, clip_files):
    _, token = make_token(alice, project)
    clip = clip_files("landscape").read_bytes()

    async def script():
        client = openai.AsyncOpenAI(base_url=studio.url + "/v1", api_key=token, max_retries=0)
        jo = await client.videos.create_character(name="Jo", video=("jo.mp4", clip, "video/mp4"))
        again = await client.videos.get_character(jo.id)
        video = await client.videos.create_and_poll(prompt="Jo at the station", size="1280x720",
                                                    extra_body={"characters": [{"id": jo.id}]})  # fmt: skip
        with pytest.raises(openai.NotFoundError):
            await client.videos.get_character("char_" + "0" * 40)
        return jo, again, video

    jo, again, video = asyncio.run(script())

    assert again.model_dump() == jo.model_dump() and jo.id == payloads.character_id(Character.objects.get())
    assert video.status == "completed", video.error
    assert [c.name for c in cast_of(_row(video.id))] == ["Jo"]
