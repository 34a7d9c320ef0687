"""/v1/videos/characters and a create naming characters, with Django's test client: the contract's character
object with the studio's own id, the cast page's clip checks and size cap, the token's project only, and every
refusal in the envelope with nothing created or charged."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from accounts.services import project_create
from api import payloads
from characters.models import Appearance, Character, CharacterUpload
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from tests.api.conftest import ApiClient, make_token
from tests.characters import conftest as clips
from tests.characters.helpers import make_character
from videos.models import Video

pytestmark = pytest.mark.django_db
clip_files, upload = clips.clip_files, clips.upload  # the cast's test clips (fixtures), made as tests/characters does


@pytest.fixture
def api(alice, project, seeded_models):
    return ApiClient(make_token(alice, project)[1])


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert set(response.json()) == {"error"}
    return response.json()["error"]


def _create_character(api, upload, name="Mika", clip="portrait", **extra):
    return api.post("/v1/videos/characters", {"name": name, "video": upload(clip), **extra})


def _nothing_made() -> None:
    assert not Video.objects.exists() and not QuotaCharge.objects.exists() and not Appearance.objects.exists()


# --- POST /v1/videos/characters ------------------------------------------------------------------------------------
def test_a_clip_becomes_a_character_of_the_tokens_project_with_our_own_id(api, alice, project, upload):
    r = _create_character(api, upload, name="  Mika   the courier ")

    assert r.status_code == 200, r.content
    row = Character.objects.get()
    body = r.json()
    assert body == {
        "id": payloads.character_id(row),
        "name": "Mika the courier",
        "created_at": int(row.created_at.timestamp()),
    }
    assert body["id"].startswith("char_") and len(body["id"]) == len("char_") + 40
    assert payloads.character_public_id_of(body["id"]) == row.public_id
    assert (row.project, row.created_by, row.width, row.height) == (project, alice, 720, 1280)
    assert row.clip.file.size > 0 and row.thumbnail is not None
    assert not CharacterUpload.objects.exists()  # made upstream only on a video's start

    again = api.get(f"/v1/videos/characters/{body['id']}")
    assert again.status_code == 200 and again.json() == body


def test_the_clip_is_checked_as_on_the_cast_page(api, upload):
    long = _error(_create_character(api, upload, clip="long"), 400)
    assert long["param"] == "video" and "a character needs 2 to 4 seconds" in long["message"]
    square = _error(_create_character(api, upload, clip="square"), 400)
    assert square["param"] == "video" and "16:9 (landscape) or 9:16 (portrait)" in square["message"]
    not_mp4 = _error(_create_character(api, upload, clip="png"), 400)
    assert not_mp4["param"] == "video" and "cannot be used" in not_mp4["message"]
    assert not Character.objects.exists()


def test_the_clip_size_cap_is_the_cast_pages(api, upload, settings):
    settings.CHARACTER_CLIP_MAX_BYTES = 4096

    error = _error(_create_character(api, upload), 400)

    assert error["param"] == "video" and error["code"] == "file_too_large"
    assert not Character.objects.exists()


@pytest.mark.parametrize(
    ("data", "param", "code"),
    [
        ({"video": "clip"}, "name", "missing_required_parameter"),
        ({"name": "Mika"}, "video", "missing_required_parameter"),
        ({"name": "Mika", "video": "not a file"}, "video", "invalid_type"),
        ({"name": "", "video": None}, "name", "invalid_value"),
        ({"name": "x" * 81, "video": None}, "name", "invalid_value"),
        ({"name": "Mika", "video": None, "model": "sora-2"}, "model", "unknown_parameter"),
    ],
    ids=["no-name", "no-video", "video-as-text", "empty-name", "long-name", "unknown-field"],
)
def test_a_bad_body_is_a_400_naming_the_field(api, upload, data, param, code):
    data = {key: upload("portrait") if value is None else value for key, value in data.items()}
    if data.get("video") == "clip":
        data["video"] = upload("portrait")

    error = _error(api.post("/v1/videos/characters", data), 400)

    assert (error["param"], error["code"]) == (param, code)
    assert not Character.objects.exists()


def test_a_json_body_cannot_carry_the_clip(api):
    error = _error(api.post("/v1/videos/characters", json_body={"name": "Mika", "video": "AAAA"}), 400)
    assert (error["param"], error["code"]) == ("video", "invalid_type") and "expected a file" in error["message"]


def test_a_name_taken_in_the_project_is_refused(api, alice, project, upload):
    make_character(alice, project, upload, "Mika")

    error = _error(_create_character(api, upload, name="MIKA"), 400)

    assert error["param"] == "name" and "already has a character called" in error["message"]
    assert Character.objects.count() == 1


def test_a_viewer_or_a_read_only_token_cannot_make_one(viewer, alice, project, upload, seeded_models):
    as_viewer = _error(_create_character(ApiClient(make_token(viewer, project)[1]), upload), 403)
    read_only = _error(_create_character(ApiClient(make_token(alice, project, read_only=True)[1]), upload), 403)

    assert as_viewer["type"] == read_only["type"] == "permission_error"
    assert read_only["code"] == "read_only_token"
    assert not Character.objects.exists()


def test_no_token_is_a_401(upload, seeded_models):
    assert _error(_create_character(ApiClient(None), upload), 401)["code"] == "missing_api_key"


def test_there_is_no_list_of_characters(api):
    r = api.get("/v1/videos/characters")  # the contract has none (nor a delete)

    assert _error(r, 405) and r["Allow"] == "POST"


def test_refused_when_no_provider_of_the_studio_has_characters(api, upload):
    Provider.objects.update(is_active=False)
    Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                            profile={"routes": {"characters": False}})  # fmt: skip

    error = _error(_create_character(api, upload), 400)

    assert (
        error["code"] == "unsupported_parameter"
        and "None of this studio's providers has characters" in error["message"]
    )
    assert not Character.objects.exists()


# --- GET /v1/videos/characters/{id} ----------------------------------------------------------------------------------
def test_another_projects_or_an_unknown_character_is_a_404(api, alice, charlie, project, upload):
    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    stranger = make_character(charlie, other, upload, "Stranger")
    mine = make_character(alice, project, upload, "Mika")
    # alice's personal project: her token there does not see the team project's cast
    personal = ApiClient(make_token(alice)[1])

    for client, value in [
        (api, payloads.character_id(stranger)),
        (personal, payloads.character_id(mine)),
        (api, "char_" + mine.public_id.hex + "00000000"),  # a wrong check
        (api, "char_123"),
        (api, str(mine.public_id)),
    ]:
        error = _error(client.get(f"/v1/videos/characters/{value}"), 404)
        assert error["param"] == "character_id" and value in error["message"]
    assert api.get(f"/v1/videos/characters/{payloads.character_id(mine)}").json()["name"] == "Mika"


def test_the_upstream_id_is_not_one_of_ours(api, alice, project, upload, simulator):
    mika = make_character(alice, project, upload, "Mika")
    CharacterUpload.objects.create(character=mika, provider=simulator, upstream_id="char_" + "ab" * 16)

    assert _error(api.get("/v1/videos/characters/char_" + "ab" * 16), 404)
    assert api.get(f"/v1/videos/characters/{payloads.character_id(mika)}").status_code == 200


# --- POST /v1/videos with characters -------------------------------------------------------------------------------
def _create(api, characters, *, model=None, form=False, **extra):
    body = {"prompt": "Mika hands Jo a parcel", "size": "720x1280", "seconds": "4", **extra}
    if model:
        body["model"] = model
    if form:
        return api.post("/v1/videos", {**body, **characters})
    return api.post("/v1/videos", json_body={**body, "characters": characters})


def test_a_json_create_with_two_characters_records_them(api, alice, project, upload):
    mika, jo = make_character(alice, project, upload, "Mika"), make_character(alice, project, upload, "Jo")

    r = _create(api, [{"id": payloads.character_id(mika)}, {"id": payloads.character_id(jo)}])

    assert r.status_code == 200, r.content
    video = Video.objects.get(public_id=payloads.public_id_of(r.json()["id"]))
    assert list(Appearance.objects.filter(video=video).values_list("character__name", flat=True)) == ["Mika", "Jo"]
    assert "characters" not in r.json()  # the contract's video object has no such field
    assert QuotaCharge.objects.filter(item_id=video.id).exists()


@pytest.mark.parametrize("shape", ["sdk-flattened", "json-text"])
def test_a_multipart_create_names_characters_as_the_sdk_or_as_json_text(api, alice, project, upload, shape):
    mika, jo = make_character(alice, project, upload, "Mika"), make_character(alice, project, upload, "Jo")
    ids = [payloads.character_id(jo), payloads.character_id(mika)]
    if shape == "sdk-flattened":
        fields = {"characters[][id]": ids}
    else:
        fields = {"characters": '[{"id": "%s"}, {"id": "%s"}]' % tuple(ids)}

    r = _create(api, fields, form=True)

    assert r.status_code == 200, r.content
    video = Video.objects.get()
    assert list(Appearance.objects.filter(video=video).values_list("character__name", flat=True)) == ["Jo", "Mika"]


def test_three_characters_are_refused(api, alice, project, upload):
    three = [{"id": payloads.character_id(make_character(alice, project, upload, n))} for n in ("A", "B", "C")]

    error = _error(_create(api, three), 400)

    assert error["param"] == "characters" and "at most 2 characters; 3 were given" in error["message"]
    _nothing_made()


def test_three_characters_in_the_sdks_multipart_form_are_refused(api, alice, project, upload):
    ids = [payloads.character_id(make_character(alice, project, upload, n)) for n in ("A", "B", "C")]

    error = _error(_create(api, {"characters[][id]": ids}, form=True), 400)

    assert error["param"] == "characters" and "3 were given" in error["message"]
    _nothing_made()


def test_unknown_foreign_or_upstream_character_ids_are_refused(api, alice, charlie, project, upload, simulator):
    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    stranger = make_character(charlie, other, upload, "Stranger")
    mika = make_character(alice, project, upload, "Mika")
    CharacterUpload.objects.create(character=mika, provider=simulator, upstream_id="char_" + "cd" * 16)

    for value in (payloads.character_id(stranger), "char_" + "cd" * 16, "char_123", str(mika.public_id)):
        error = _error(_create(api, [{"id": payloads.character_id(mika)}, {"id": value}]), 400)
        assert error["param"] == "characters" and f"no character found with id '{value}'" in error["message"]
    _nothing_made()


@pytest.mark.parametrize(
    "value",
    ["char_x", [{"name": "Mika"}], [{"id": 5}], {"id": "char_x"}, [["char_x"]]],
    ids=["string", "no-id", "id-not-string", "object", "nested-list"],
)
def test_characters_of_the_wrong_shape_are_refused(api, value):
    error = _error(_create(api, value), 400)
    assert error["param"] == "characters" and error["code"] == "invalid_value"
    _nothing_made()


def test_bad_json_text_in_a_multipart_create_is_refused(api):
    error = _error(_create(api, {"characters": "[{"}, form=True), 400)
    assert error["param"] == "characters"
    _nothing_made()


def test_a_model_whose_provider_has_no_characters_is_refused(api, alice, project, upload):
    plain = Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                                    profile={"routes": {"characters": False}})  # fmt: skip
    ProviderModel.objects.create(provider=plain, name="wan", prices={"720x1280": "0.05"}, seconds=["4"])
    mika = make_character(alice, project, upload, "Mika")

    error = _error(_create(api, [{"id": payloads.character_id(mika)}], model="plain:wan"), 400)

    assert error["param"] == "characters" and "Plain gateway cannot use characters" in error["message"]
    _nothing_made()


def test_a_remix_by_field_takes_no_characters(api, alice, project, upload, make_video):
    parent = make_video(project, alice, size="720x1280")
    mika = make_character(alice, project, upload, "Mika")

    error = _error(api.post("/v1/videos", json_body={"prompt": "again", "remix_video_id": payloads.video_id(parent),
                                                      "characters": [{"id": payloads.character_id(mika)}]}), 400)  # fmt: skip

    assert error["param"] == "characters"
    assert Video.objects.count() == 1 and not Appearance.objects.exists()
