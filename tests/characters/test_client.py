"""The client's characters (contract 3.7) against the simulator over real HTTP: make one from a clip, read it back,
and reference it from a create; the simulator's refusals come back as clear SoraErrors."""

from __future__ import annotations

import pytest

from videos.sora.client import SoraClient
from videos.sora.errors import SoraError
from videos.sora.simulator.models import SimCharacter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sora(sim_base_url):
    client = SoraClient(api_key="sk-client-test", base_url=sim_base_url, timeout=(3.0, 20.0), max_retries=0)
    yield client
    client.close()


def test_a_character_is_made_from_a_clip_read_back_and_used_in_a_create(sora, clip_files):
    made = sora.create_character("Mika the courier", clip_files("portrait").read_bytes())

    assert made.id.startswith("char_") and made.name == "Mika the courier" and made.created_at
    assert made.request_id.startswith("req_")
    assert SimCharacter.objects.filter(id=made.id, name="Mika the courier").exists()
    again = sora.retrieve_character(made.id)
    assert (again.id, again.name, again.created_at) == (made.id, made.name, made.created_at)

    video = sora.create("Mika hands over a parcel", size="720x1280", seconds=4, characters=[made.id])
    assert video.status == "queued"
    multipart = sora.create("Mika waves", size="720x1280", seconds=4, characters=[made.id], multipart=True)
    assert multipart.status == "queued"


def test_a_file_object_is_read_for_the_upload(sora, clip_files):
    with clip_files("landscape").open("rb") as fh:
        made = sora.create_character("Jo", fh)
    assert sora.retrieve_character(made.id).name == "Jo"


def test_the_servers_refusals_are_clear_errors(sora, clip_files):
    with pytest.raises(SoraError) as unknown:
        sora.retrieve_character("char_nobody")
    assert unknown.value.status == 404 and "char_nobody" in unknown.value.message
    with pytest.raises(SoraError) as nameless:
        sora.create_character("x" * 81, clip_files("portrait").read_bytes())
    assert nameless.value.status == 400 and nameless.value.param == "name" and not nameless.value.retryable
    with pytest.raises(SoraError) as not_a_video:
        sora.create_character("Png", clip_files("png").read_bytes())
    assert not_a_video.value.status == 400 and not_a_video.value.param == "video"
    with pytest.raises(SoraError) as stranger:
        sora.create("Someone", size="720x1280", seconds=4, characters=["char_nobody"])
    assert stranger.value.status == 404 and stranger.value.param == "characters"
    with pytest.raises(SoraError) as crowd:
        sora.create("Three", size="720x1280", seconds=4, characters=["char_a", "char_b", "char_c"])
    assert crowd.value.status == 400 and crowd.value.param == "characters"
    assert SimCharacter.objects.count() == 0
