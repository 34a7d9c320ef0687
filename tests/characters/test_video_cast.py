"""A video's cast: up to two characters of its project, on a provider that has characters; the provider learns
each character once, on the first video there that uses it, and the studio remembers its id. Bad picks are refused
before anything is saved or charged."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import Actor
from characters import services as cast
from characters.models import Appearance, Character, CharacterUpload
from characters.selectors import cast_of
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from tests.conftest import run_pipeline
from videos import lifecycle, services
from videos.models import Video
from videos.sora.simulator.models import SimCharacter


def character(user, project, upload, name, clip="portrait") -> Character:
    return cast.character_create_from_upload(actor=Actor.of_user(user), project=project, name=name, clip=upload(clip))


def submit(user, project, characters, model="sora-2", prompt="Mika hands Jo a parcel"):
    return services.video_submit(actor=Actor.of_user(user), project=project, prompt=prompt, model=model,
                                 size="720x1280", seconds=4, characters=characters)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_video_with_two_characters_teaches_the_provider_each_once(queue, alice, bob, project, upload):
    mika, jo = character(alice, project, upload, "Mika"), character(alice, project, upload, "Jo", "landscape")

    first = run_pipeline(submit(bob, project, [mika, jo]))  # an editor uses the project's characters

    assert first.status == Video.Status.COMPLETED
    assert cast_of(first) == [mika, jo]
    uploads = {u.character_id: u.upstream_id for u in CharacterUpload.objects.all()}
    assert set(uploads) == {mika.id, jo.id}
    assert set(SimCharacter.objects.values_list("id", "name")) == {(uploads[mika.id], "Mika"), (uploads[jo.id], "Jo")}

    second = run_pipeline(submit(alice, project, [jo], prompt="Jo alone at the station"))
    assert second.status == Video.Status.COMPLETED and cast_of(second) == [jo]
    assert SimCharacter.objects.count() == 2 and CharacterUpload.objects.count() == 2  # remembered, not made again

    remix = run_pipeline(services.video_remix(actor=Actor.of_user(alice), parent=second, prompts=["At night"])[0])
    assert remix.status == Video.Status.COMPLETED and cast_of(remix) == [jo]  # a child shows the same people


@pytest.mark.django_db(transaction=True)
def test_a_character_the_provider_forgot_is_made_there_again(queue, alice, project, upload):
    mika = character(alice, project, upload, "Mika")
    run_pipeline(submit(alice, project, [mika]))
    forgotten = CharacterUpload.objects.get().upstream_id
    SimCharacter.objects.all().delete()  # the provider no longer knows it (e.g. another key)

    video = submit(alice, project, [mika])
    for video_id, token in services.jobs_claim_startable():
        services.video_start(video_id=video_id, token=token)
    video.refresh_from_db()
    assert video.status == Video.Status.PENDING and "no longer knows" in video.error_message
    assert not CharacterUpload.objects.exists()

    token = lifecycle.new_token()
    assert lifecycle.claim_start(video, token, now=video.retry_at)
    services.video_start(video_id=video.id, token=token)
    video = run_pipeline(video)
    assert video.status == Video.Status.COMPLETED
    assert CharacterUpload.objects.get().upstream_id != forgotten and SimCharacter.objects.count() == 1


def _refused(user, project, characters, match, model="sora-2"):
    with pytest.raises(ValidationError) as caught:
        submit(user, project, characters, model=model)
    assert list(caught.value.error_dict) == ["characters"]
    assert match in caught.value.error_dict["characters"][0].message
    assert not Video.objects.exists() and not QuotaCharge.objects.exists() and not Appearance.objects.exists()


@pytest.mark.django_db
def test_more_than_two_characters_are_refused_and_nothing_is_charged(alice, project, upload, seeded_models):
    three = [character(alice, project, upload, name) for name in ("A", "B", "C")]
    _refused(alice, project, three, "A video can have at most 2 characters; 3 were picked.")


@pytest.mark.django_db
def test_a_character_of_another_project_is_refused(alice, charlie, project, upload, seeded_models):
    from accounts.services import project_create

    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    stranger = character(charlie, other, upload, "Stranger")
    _refused(alice, project, [stranger], "“Stranger” is not in this project's cast.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "profile",
    [{"routes": {"characters": False}}, {"routes": {"create_json": True}}, {}],
    ids=["measured-without", "untested-like-litellm", "never-probed"],
)
def test_a_provider_without_measured_characters_is_refused(alice, project, upload, seeded_models, profile):
    plain = Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                                    profile=profile)  # fmt: skip
    ProviderModel.objects.create(provider=plain, name="wan", prices={"720x1280": "0.05"}, seconds=["4"])
    mika = character(alice, project, upload, "Mika")
    _refused(alice, project, [mika], "Plain gateway cannot use characters", model="plain:wan")


@pytest.mark.django_db
def test_picking_the_same_character_twice_counts_once(alice, project, upload, seeded_models, monkeypatch):
    from videos import tasks

    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    mika = character(alice, project, upload, "Mika")
    video = submit(alice, project, [mika, mika, mika])
    assert cast_of(video) == [mika]


@pytest.mark.django_db(transaction=True)
def test_a_character_the_provider_refuses_fails_the_video_with_a_refund(queue, alice, project, upload):
    from videos.sora.simulator import faults

    mika = character(alice, project, upload, "Mika")
    video = submit(alice, project, [mika])
    faults.inject("status", status=400, method="POST", path=r"^videos/characters$")
    video = run_pipeline(video)

    assert video.status == Video.Status.FAILED
    assert "did not take the character Mika" in video.error_message
    assert QuotaCharge.objects.get(item_id=video.id).state == "refunded"
    assert not CharacterUpload.objects.exists() and not SimCharacter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_character_create_that_broke_down_is_tried_again_not_reconciled(queue, alice, project, upload):
    from videos.sora.simulator import faults

    mika = character(alice, project, upload, "Mika")
    video = submit(alice, project, [mika])
    faults.inject("status", status=500, method="POST", path=r"^videos/characters$")
    for video_id, token in services.jobs_claim_startable():
        services.video_start(video_id=video_id, token=token)
    video.refresh_from_db()
    assert video.status == Video.Status.PENDING and video.outcome_unknown_since is None
    assert "did not take the character Mika" in video.error_message


@pytest.mark.django_db
def test_a_retried_video_keeps_its_cast(alice, project, upload, make_video, monkeypatch):
    from videos import tasks

    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    mika = character(alice, project, upload, "Mika")
    failed = make_video(project, alice, status=Video.Status.FAILED, size="720x1280")
    Appearance.objects.create(video=failed, character=mika)
    retry = services.video_retry(actor=Actor.of_user(alice), video=failed)
    assert retry.id != failed.id and cast_of(retry) == [mika]
