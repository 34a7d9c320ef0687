"""A shot's characters: up to two of the board's project, with a model whose provider has characters; every take of
the shot carries them (and a take's edits and extensions show the same cast); a character deleted from the cast
drops out of the shot. Bad picks are refused with a clear message and change nothing."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.actors import Actor
from characters import services as cast
from characters.models import Appearance
from characters.selectors import cast_of
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from storyboards import services
from storyboards.models import Shot, Take
from tests.characters.conftest import clip_files, upload  # noqa: F401  (fixtures: real character clips)
from tests.conftest import run_pipeline
from tests.storyboards.conftest import add_shot
from videos.models import Video


def character(user, project, upload, name, clip="landscape"):  # noqa: F811
    return cast.character_create_from_upload(actor=Actor.of_user(user), project=project, name=name, clip=upload(clip))


def _refused(call, match):
    with pytest.raises(ValidationError) as caught:
        call()
    assert list(caught.value.error_dict) == ["characters"], caught.value
    assert match in caught.value.error_dict["characters"][0].message
    return caught.value


@pytest.mark.django_db(transaction=True)
def test_every_take_carries_the_shots_characters_and_its_edits_show_them(queue, seeded_models, alice, bob, project,
                                                                         upload):  # noqa: F811  # fmt: skip
    mika, jo = character(alice, project, upload, "Mika"), character(alice, project, upload, "Jo")
    board = services.storyboard_create(actor=Actor.of_user(alice), project=project, title="Parcel", size="1280x720")
    shot = services.shot_add(actor=Actor.of_user(bob), storyboard=board, prompt="Mika hands Jo a parcel",
                             model="simulator:sora-2", seconds=4, characters=[jo, mika, jo])  # fmt: skip
    assert set(shot.characters.all()) == {mika, jo}  # each once

    take = services.shot_generate(actor=Actor.of_user(bob), shot=shot)
    assert set(Appearance.objects.filter(video=take.video).values_list("character__name", flat=True)) == {"Mika", "Jo"}
    video = run_pipeline(take.video)
    assert video.status == Video.Status.COMPLETED, video.error_message
    assert {c.name for c in cast_of(video)} == {"Mika", "Jo"}

    take = Take.objects.get(id=take.id)
    edit = services.take_edit(actor=Actor.of_user(bob), take=take, prompt="Make the parcel red")
    extension = services.take_extend(actor=Actor.of_user(bob), take=take, prompt="Jo walks away", seconds=4)
    for child in (edit, extension):
        assert not Appearance.objects.filter(video=child.video).exists()  # the provider's child keeps its source's
        assert {c.name for c in cast_of(child.video)} == {"Mika", "Jo"}  # and the studio shows the same people
    assert run_pipeline(edit.video).status == Video.Status.COMPLETED


@pytest.mark.django_db
def test_three_characters_are_refused_and_nothing_changes(board, alice, project, upload):  # noqa: F811
    three = [character(alice, project, upload, name) for name in ("Mika", "Jo", "Ines")]
    _refused(
        lambda: services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Three", model="simulator:sora-2",
                                  seconds=4, characters=three),
        "A shot can have at most 2 characters; 3 were picked.",
    )  # fmt: skip
    assert not Shot.objects.exists()
    shot = add_shot(board)
    _refused(
        lambda: services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Changed", model="simulator:sora-2",
                                     seconds=8, characters=three),
        "at most 2 characters",
    )  # fmt: skip
    shot.refresh_from_db()
    assert (shot.prompt, shot.seconds, list(shot.characters.all())) == ("Wide shot of a red kite", 4, [])


@pytest.mark.django_db
def test_a_character_of_another_project_is_refused(board, alice, charlie, project, upload):  # noqa: F811
    from accounts.services import project_create

    mika = character(alice, project, upload, "Mika")
    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    stranger = character(charlie, other, upload, "Stranger")
    _refused(
        lambda: services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="x", model="simulator:sora-2",
                                  seconds=4, characters=[stranger]),
        "“Stranger” is not in this project's cast.",
    )  # fmt: skip
    shot = services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Mika waits",
                             model="simulator:sora-2", seconds=4, characters=[mika])  # fmt: skip
    _refused(
        lambda: services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Mika waits", model="simulator:sora-2",
                                     seconds=4, characters=[mika, stranger]),
        "not in this project's cast",
    )  # fmt: skip
    assert list(shot.characters.all()) == [mika] and Shot.objects.count() == 1


def _plain_provider():
    plain = Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                                    profile={"routes": {"characters": False}})  # fmt: skip
    ProviderModel.objects.create(provider=plain, name="wan", prices={"1280x720": "0.05"}, seconds=["4"])
    return plain


@pytest.mark.django_db
def test_a_model_whose_provider_has_no_characters_is_refused_when_saving_and_when_generating(
    board,
    alice,
    project,
    upload,  # noqa: F811
):
    mika = character(alice, project, upload, "Mika")
    _plain_provider()
    _refused(
        lambda: services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Mika", model="plain:wan",
                                  seconds=4, characters=[mika]),
        "Plain gateway cannot use characters",
    )  # fmt: skip
    assert not Shot.objects.exists()
    # Without characters the same model is fine; a shot with them cannot move to it.
    services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Empty street", model="plain:wan", seconds=4)
    shot = services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Mika", model="simulator:sora-2",
                             seconds=4, characters=[mika])  # fmt: skip
    _refused(
        lambda: services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Mika", model="plain:wan", seconds=4),
        "Plain gateway cannot use characters",
    )  # fmt: skip
    shot.refresh_from_db()
    assert shot.model == "simulator:sora-2"

    # A provider loses characters after the shot was saved (measured again): generating says so, and makes and
    # charges nothing.
    gateway = Provider.objects.create(slug="gateway", name="Gateway", base_url="https://gateway.example/v1",
                                      profile={"routes": {"characters": True}})  # fmt: skip
    ProviderModel.objects.create(provider=gateway, name="sora-2", prices={"1280x720": "0.10"}, seconds=["4"])
    shot = services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Mika", model="gateway:sora-2", seconds=4)
    assert list(shot.characters.all()) == [mika]
    gateway.profile = {"routes": {"characters": False}}
    gateway.save(update_fields=["profile"])
    _refused(lambda: services.shot_generate(actor=Actor.of_user(alice), shot=shot), "Gateway cannot use characters")
    assert not Video.objects.exists() and not Take.objects.exists() and not QuotaCharge.objects.exists()


@pytest.mark.django_db
def test_a_character_deleted_meanwhile_drops_from_the_shot(board, alice, project, upload):  # noqa: F811
    mika, jo = character(alice, project, upload, "Mika"), character(alice, project, upload, "Jo")
    shot = services.shot_add(actor=Actor.of_user(alice), storyboard=board, prompt="Mika and Jo",
                             model="simulator:sora-2", seconds=4, characters=[mika, jo])  # fmt: skip
    cast.character_delete(actor=Actor.of_user(alice), character=jo)
    shot = Shot.objects.get(id=shot.id)
    assert list(shot.characters.all()) == [mika]
    take = services.shot_generate(actor=Actor.of_user(alice), shot=shot)
    assert list(Appearance.objects.filter(video=take.video).values_list("character__name", flat=True)) == ["Mika"]
    # Keeping the shot's cast when a change leaves it out; clearing it with an empty pick.
    services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Mika alone", model="simulator:sora-2",
                         seconds=4)  # fmt: skip
    assert list(shot.characters.all()) == [mika]
    services.shot_update(actor=Actor.of_user(alice), shot=shot, prompt="Nobody", model="simulator:sora-2", seconds=4,
                         characters=[])  # fmt: skip
    assert list(shot.characters.all()) == []


# ---------------------------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def as_bob(client, bob):
    client.force_login(bob)
    return client


@pytest.mark.django_db
def test_the_shot_forms_pick_characters_and_the_board_shows_them(as_bob, board, alice, project, upload):  # noqa: F811
    detail = reverse("storyboards:detail", args=[board.public_id])
    page = as_bob.get(detail).content.decode()
    assert "No characters in this project yet" in page and "data-cast-picker" not in page

    mika, jo = character(alice, project, upload, "Mika"), character(alice, project, upload, "Jo")
    page = as_bob.get(detail).content.decode()
    assert "data-cast-picker" in page and "Mention each by name in the prompt" in page

    url = reverse("storyboards:shot-add", args=[board.public_id])
    r = as_bob.post(url, {"prompt": "Mika runs", "model": "simulator:sora-2", "seconds": 4,
                          "characters": [str(mika.public_id)]})  # fmt: skip
    assert r.status_code == 302
    shot = Shot.objects.get()
    assert list(shot.characters.all()) == [mika]
    page = as_bob.get(detail).content.decode()
    assert 'data-shot-cast aria-label="Characters in shot 1"' in page and ">Mika</li>" in page
    # The shot's Change form has its own picker, with its characters ticked (ids unique per shot).
    ticked = re.findall(rf'<input type="checkbox" name="characters" value="([^"]+)" id="shot-{shot.public_id}-'
                        r'characters_\d"( checked)?', page)  # fmt: skip
    assert sorted(ticked) == sorted([(str(jo.public_id), ""), (str(mika.public_id), " checked")])

    r = as_bob.post(url, {"prompt": "Too many", "model": "simulator:sora-2", "seconds": 4,
                          "characters": [str(mika.public_id), str(jo.public_id), "not-a-character"]})  # fmt: skip
    assert r.status_code == 400 and "Too many" in r.content.decode() and Shot.objects.count() == 1

    update = reverse("storyboards:shot-update", args=[shot.public_id])
    r = as_bob.post(update, {"prompt": "Mika and Jo run", "model": "simulator:sora-2", "seconds": 4,
                             "characters": [str(mika.public_id), str(jo.public_id)]})  # fmt: skip
    assert r.status_code == 302 and set(shot.characters.all()) == {mika, jo}
    r = as_bob.post(update, {"prompt": "Nobody runs", "model": "simulator:sora-2", "seconds": 4})
    assert r.status_code == 302 and list(shot.characters.all()) == []


@pytest.mark.django_db
def test_a_takes_video_page_links_back_to_its_shot(as_bob, board, alice, make_video):
    from tests.storyboards.conftest import add_take

    shot = add_shot(board)
    video = make_video(board.project, alice)
    add_take(shot, video, chosen=True)
    page = as_bob.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    link = reverse("storyboards:detail", args=[board.public_id]) + f"#shot-{shot.public_id}"
    assert f'<a href="{link}">The kite</a>: shot 1, take 1 (chosen)' in page
    other = make_video(board.project, alice)
    assert "data-video-takes" not in as_bob.get(reverse("videos:detail", args=[other.public_id])).content.decode()
