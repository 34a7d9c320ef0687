"""The simulator against hostile or oversized input (a security review): image bombs, unstorable text, bodies past
the site-wide upload limit, unbounded uploads. Each answer is a clear error in the caller's envelope, and nothing
is created. (Run on SQLite and on PostgreSQL: PostgreSQL refuses NUL characters itself.)
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import time
import zlib
from contextlib import contextmanager

import pytest
from PIL import Image

from videos.sora.simulator import bodies
from videos.sora.simulator.bodies import IMAGE_URL_MAX_LENGTH, MIB
from videos.sora.simulator.models import SimCharacter, SimVideo

BASE = "/sim/v1"
AUTH = {"HTTP_AUTHORIZATION": "Bearer sk-hardening-test"}
INPAINT = "Inpaint image must match the requested width and height"


def post_json(client, path, data, base=BASE):
    return client.post(base + path, data=json.dumps(data), content_type="application/json", **AUTH)


def assert_error(response, status, param, *, code=None, message=None):
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    return error


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width: int, height: int, idat: bytes, *, padding: int = 0) -> bytes:
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    pad = _chunk(b"prVt", b"\x00" * padding) if padding else b""  # a private ancillary chunk: ignored by readers
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", idat) + pad + _chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A ~0.5 MB PNG whose header says 13000x13000 RGB: 507 MB of pixels once decoded."""
    side = 13000
    rows = (b"\x00" + b"\x00" * (side * 3)) * 100
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(rows) for _ in range(side // 100)) + packer.flush()
    data = _png(side, side, idat)
    assert len(data) < 1 * MIB
    return data


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.M).group(1))


@contextmanager
def measured():
    """Peak RSS growth (MiB) and CPU seconds of the block: the kernel's high-water mark is reset first."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before, cpu = _status_kib("VmRSS"), time.process_time()
    result: dict[str, float] = {}
    yield result
    result["peak_growth_mib"] = (_status_kib("VmHWM") - before) / 1024
    result["cpu_seconds"] = time.process_time() - cpu


# ---------------------------------------------------------------------------------------------------------------
# Image bombs: refused from the header, never decoded
# ---------------------------------------------------------------------------------------------------------------
# Pillow warns when it opens a header this large ("could be decompression bomb DOS attack"): it is one.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.django_db
@pytest.mark.parametrize("how", ["multipart", "json-data-url"])
def test_an_image_bomb_is_refused_from_its_header_without_decoding(client, bomb, how):
    data_url = "data:image/png;base64," + base64.b64encode(bomb).decode()
    with measured() as cost:
        if how == "multipart":
            upload = io.BytesIO(bomb)
            upload.name = "bomb.png"
            response = client.post(BASE + "/videos", {"prompt": "p", "input_reference": upload}, **AUTH)
        else:
            response = post_json(client, "/videos", {"prompt": "p", "input_reference": {"image_url": data_url}})
    print(f"\nimage bomb ({how}): peak RSS +{cost['peak_growth_mib']:.1f} MiB, {cost['cpu_seconds']:.2f} s CPU")
    assert_error(response, 400, None, message=INPAINT)
    assert cost["peak_growth_mib"] < 64 and cost["cpu_seconds"] < 1.5
    assert SimVideo.objects.count() == 0


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.django_db
def test_a_server_that_resizes_references_still_refuses_a_bomb_undecoded(client, bomb):
    upload = io.BytesIO(bomb)
    upload.name = "bomb.png"
    with measured() as cost:
        response = client.post("/sim/vllm-omni/v1/videos", {"prompt": "p", "input_reference": upload}, **AUTH)
    assert response.status_code == 400
    assert "larger than 4096 pixels" in response.json()["error"]["message"]
    assert cost["peak_growth_mib"] < 64 and cost["cpu_seconds"] < 1.5
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_an_image_that_matches_its_header_is_still_used(client):
    upload = io.BytesIO()
    Image.new("RGB", (720, 1280), (10, 200, 30)).save(upload, format="WEBP")
    upload.seek(0)
    upload.name = "ref.webp"
    response = client.post(BASE + "/videos", {"prompt": "p", "input_reference": upload}, **AUTH)
    assert response.status_code == 200, response.content
    assert SimVideo.objects.get(id=response.json()["id"]).has_reference


# ---------------------------------------------------------------------------------------------------------------
# NUL characters and unpaired surrogates: a 400 naming the field, on every database
# ---------------------------------------------------------------------------------------------------------------
NUL = "a\x00b"


def _create(client, **fields):
    return post_json(client, "/videos", {"prompt": "p", **fields})


UNSTORABLE = {
    "json prompt NUL": (lambda c: _create(c, prompt=NUL), "prompt"),
    "json prompt surrogate": (
        lambda c: c.post(BASE + "/videos", data='{"prompt": "x\\ud800y"}', content_type="application/json", **AUTH),
        "prompt",
    ),
    "json model NUL": (lambda c: _create(c, model="sora-2\x00"), "model"),
    "json key NUL": (lambda c: _create(c, **{"\x00": 1}), None),
    "json characters id NUL": (lambda c: _create(c, characters=[{"id": "char_\x00"}]), "characters"),
    "multipart prompt NUL": (lambda c: c.post(BASE + "/videos", {"prompt": NUL}, **AUTH), "prompt"),
    "retrieve id NUL": (lambda c: c.get(BASE + "/videos/video_%00x", **AUTH), "video_id"),
    "delete id NUL": (lambda c: c.delete(BASE + "/videos/video_%00x", **AUTH), "video_id"),
    "content id NUL": (lambda c: c.get(BASE + "/videos/video_%00x/content", **AUTH), "video_id"),
    "remix id NUL": (lambda c: post_json(c, "/videos/video_%00x/remix", {"prompt": "p"}), "video_id"),
    "remix prompt surrogate": (
        lambda c: c.post(BASE + "/videos/video_1/remix", data='{"prompt": "\\udfff"}', content_type="application/json", **AUTH),
        "prompt",
    ),
    "list after NUL": (lambda c: c.get(BASE + "/videos?after=video_%00", **AUTH), "after"),
    "character id NUL": (lambda c: c.get(BASE + "/videos/characters/char_%00", **AUTH), "character_id"),
    "character name NUL": (lambda c: post_json(c, "/videos/characters", {"name": NUL, "video": {"id": "video_1"}}), "name"),
    "edit video id NUL": (lambda c: post_json(c, "/videos/edits", {"prompt": "p", "video": {"id": "video_\x00"}}), "video"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(UNSTORABLE))
def test_unstorable_text_is_a_400_naming_the_field(client, case):
    send, param = UNSTORABLE[case]
    error = assert_error(send(client), 400, param, code="invalid_value")
    assert "NUL character or an unpaired surrogate" in error["message"]
    assert SimVideo.objects.count() == 0 and SimCharacter.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profile", "send"),
    [
        ("sglang", lambda c, url: c.post(url, data=json.dumps({"prompt": "p", "model": "m\x00"}), content_type="application/json", **AUTH)),
        ("relay", lambda c, url: c.post(url, data=json.dumps({"prompt": "p", "model": "sora-2\x00"}), content_type="application/json", **AUTH)),
        ("vllm-omni", lambda c, url: c.post(url, {"prompt": "p\x00"}, **AUTH)),
    ],
)  # fmt: skip
def test_unstorable_text_is_a_400_in_each_profiles_envelope(client, profile, send):
    response = send(client, f"/sim/{profile}/v1/videos")
    assert response.status_code == 400, response.content
    assert "NUL character or an unpaired surrogate" in json.dumps(response.json())
    assert SimVideo.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Body size: the contract's limits, not the site-wide form limit
# ---------------------------------------------------------------------------------------------------------------
def _padded_data_url(length: int) -> str:
    """A data URL of exactly ``length`` characters holding a real 720x1280 PNG (padded with a private chunk)."""
    image = io.BytesIO()
    Image.new("RGB", (720, 1280), (90, 20, 160)).save(image, format="PNG")
    plain = image.getvalue()  # ends with the 12-byte IEND chunk
    prefix = "data:image/png;p=" + "x" * ((-len("data:image/png;p=;base64,")) % 4) + ";base64,"
    size = (length - len(prefix)) // 4 * 3
    data = plain[:-12] + _chunk(b"prVt", b"\x00" * (size - len(plain) - 12)) + plain[-12:]
    url = prefix + base64.b64encode(data).decode()
    assert len(url) == length and not url.endswith("=")
    return url


@pytest.mark.django_db
def test_a_data_url_as_long_as_the_contract_allows_is_accepted(client, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < IMAGE_URL_MAX_LENGTH  # the studio's own forms keep their limit
    response = _create(client, input_reference={"image_url": _padded_data_url(IMAGE_URL_MAX_LENGTH)})
    assert response.status_code == 200, response.content[:500]
    assert SimVideo.objects.get(id=response.json()["id"]).has_reference


@pytest.mark.django_db
def test_a_longer_image_url_is_the_contracts_400_on_input_reference(client):
    url = "data:image/png;base64," + "A" * (IMAGE_URL_MAX_LENGTH - 22 + 4)
    error = assert_error(
        _create(client, input_reference={"image_url": url}), 400, "input_reference", code="string_above_max_length"
    )
    assert str(IMAGE_URL_MAX_LENGTH) in error["message"]
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_a_body_past_the_json_limit_is_413_in_the_envelope(client):
    response = _create(client, input_reference={"image_url": "data:image/png;base64," + "A" * (bodies.JSON_BODY_LIMIT + 8)})
    assert_error(response, 413, None)
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_the_studios_own_forms_keep_the_site_wide_limit(client):
    response = client.post("/accounts/login/", {"username": "x" * (3 * MIB), "password": "p"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_upload_over_its_limit_is_refused_while_streaming(client):
    upload = io.BytesIO(b"\x89PNG" + b"\x00" * (bodies.IMAGE_UPLOAD_LIMIT + 1))
    upload.name = "huge.png"
    response = client.post(BASE + "/videos", {"prompt": "p", "input_reference": upload}, **AUTH)
    error = assert_error(response, 400, "input_reference", code="file_too_large")
    assert "20 MiB" in error["message"]
    assert SimVideo.objects.count() == 0


@pytest.mark.django_db
def test_a_character_clip_over_its_limit_is_refused(client, monkeypatch):
    monkeypatch.setitem(bodies.UPLOAD_LIMITS, "video", MIB)
    clip = io.BytesIO(b"\x00" * (MIB + 1))
    clip.name = "clip.mp4"
    response = client.post(BASE + "/videos/characters", {"name": "Ada", "video": clip}, **AUTH)
    assert_error(response, 400, "video", code="file_too_large")
    assert SimCharacter.objects.count() == 0


@pytest.mark.django_db
def test_oversized_form_fields_are_a_413_not_a_500(client):
    response = client.post(BASE + "/videos", {"prompt": "x" * (3 * MIB)}, **AUTH)
    assert_error(response, 413, None)
    assert SimVideo.objects.count() == 0
