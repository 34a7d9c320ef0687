"""What the client's character calls put on the wire (the seam: tests/sora/test_client.py's fake transport under the
real `requests` code): a multipart character with its clip, and a create that references characters."""

from __future__ import annotations

import json

import pytest

from tests.sora.test_client import BASE, KEY, FakeTransport, assert_common_headers, mount, video_json
from videos.sora.client import SoraClient
from videos.sora.errors import SoraError
from videos.sora.types import Character, ImageUpload

MP4 = b"\x00\x00\x00\x20ftypisom" + bytes(range(256)) * 8


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def client(transport) -> SoraClient:
    return mount(SoraClient(api_key=KEY, base_url=BASE, timeout=(3.0, 20.0), max_retries=2), transport, [])


def test_a_character_is_a_multipart_name_and_mp4(client, transport):
    transport.reply(200, {"id": "char_abc", "name": "Mika", "created_at": 1760000000, "extra": True})

    made = client.create_character("Mika", MP4)

    (call,) = transport.calls
    assert (call.method, call.url) == ("POST", f"{BASE}/videos/characters")
    assert call.headers["Authorization"] == f"Bearer {KEY}" and call.timeout == (3.0, 20.0)
    parts = call.multipart()
    assert set(parts) == {"name", "video"}
    assert parts["name"].get_content().strip() == "Mika"
    assert parts["video"].get_filename() == "character.mp4" and parts["video"].get_content_type() == "video/mp4"
    assert parts["video"].get_payload(decode=True) == MP4
    assert made == Character(id="char_abc", name="Mika", created_at=1760000000, request_id=made.request_id)


def test_reading_a_character_back(client, transport):
    transport.reply(200, {"id": "char_a/b", "name": "Jo", "created_at": 1})
    assert client.retrieve_character("char_a/b").name == "Jo"
    (call,) = transport.calls
    assert call.method == "GET" and call.url == f"{BASE}/videos/characters/char_a%2Fb"  # one path segment


def test_a_character_create_is_never_sent_twice_after_a_server_error(client, transport):
    transport.reply(500, {"error": {"message": "boom", "type": "server_error"}})
    with pytest.raises(SoraError) as caught:
        client.create_character("Mika", MP4)
    assert len(transport.calls) == 1 and caught.value.status == 500


def test_a_create_references_characters_by_id_in_json_and_in_multipart(client, transport):
    transport.reply(200, video_json())
    transport.reply(200, video_json())
    transport.reply(200, video_json())

    client.create("Mika and Jo", characters=["char_a", "char_b"])
    client.create("Mika", characters=["char_a"], multipart=True)
    client.create("Mika", characters=["char_a"], input_reference=ImageUpload("f.png", b"\x89PNG\r\n\x1a\n"))

    json_call, text_call, image_call = transport.calls
    assert_common_headers(json_call)
    assert json_call.json() == {"prompt": "Mika and Jo", "characters": [{"id": "char_a"}, {"id": "char_b"}]}
    for call in (text_call, image_call):
        assert json.loads(call.multipart()["characters"].get_content()) == [{"id": "char_a"}]
