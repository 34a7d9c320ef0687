"""Characters on the video pages: the create form picks up to two (and says so when refused), the video page and
the lineage say who is in a video."""

from __future__ import annotations

import pytest
from django.urls import reverse

from characters.models import Appearance
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from tests.characters.helpers import make_character
from videos.models import Video

pytestmark = pytest.mark.django_db


def create_url(project):
    return reverse("videos:create", args=[project.public_id])


def form(characters, model="sora-2"):
    return {"prompt": "Mika hands Jo a parcel", "model": model, "size": "720x1280", "seconds": "4",
            "characters": [str(c.public_id) for c in characters]}  # fmt: skip


def test_the_create_form_offers_the_cast_with_a_hint(client, alice, project, upload, seeded_models):
    client.force_login(alice)
    assert "add one to the cast" in client.get(create_url(project)).content.decode()
    mika = make_character(alice, project, upload)
    page = client.get(create_url(project)).content.decode()
    assert f'value="{mika.public_id}"' in page and "Mention each by name in the prompt" in page


def test_a_video_with_characters_is_made_and_shows_them(client, alice, project, upload, seeded_models, monkeypatch):
    from videos import tasks

    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    mika, jo = make_character(alice, project, upload, "Mika"), make_character(alice, project, upload, "Jo")
    client.force_login(alice)
    response = client.post(create_url(project), form([mika, jo]))
    video = Video.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("videos:detail", args=[video.public_id])
    assert list(Appearance.objects.filter(video=video).values_list("character__name", flat=True)) == ["Mika", "Jo"]
    page = client.get(response["Location"]).content.decode()
    assert "<dt>Characters</dt>" in page and "Mika" in page and "Jo" in page


def test_three_characters_are_refused_with_the_reason(client, alice, project, upload, seeded_models):
    cast = [make_character(alice, project, upload, name) for name in ("A", "B", "C")]
    client.force_login(alice)
    response = client.post(create_url(project), form(cast))
    assert response.status_code == 400
    assert "A video can have at most 2 characters; 3 were picked." in response.content.decode()
    assert not Video.objects.exists() and not QuotaCharge.objects.exists()


def test_a_provider_without_characters_is_refused_with_the_reason(client, alice, project, upload, seeded_models):
    plain = Provider.objects.create(slug="plain", name="Plain gateway", base_url="https://plain.example/v1",
                                    profile={"routes": {"characters": False}})  # fmt: skip
    ProviderModel.objects.create(provider=plain, name="wan", prices={"720x1280": "0.05"}, seconds=["4"])
    mika = make_character(alice, project, upload)
    client.force_login(alice)
    response = client.post(create_url(project), form([mika], model="plain:wan"))
    assert response.status_code == 400 and "Plain gateway cannot use characters" in response.content.decode()
    assert not Video.objects.exists() and not QuotaCharge.objects.exists()


def test_a_character_of_another_project_is_not_a_choice(client, alice, charlie, project, upload, seeded_models):
    from accounts.actors import Actor
    from accounts.services import project_create

    other = project_create(actor=Actor.of_user(charlie), name="Other film")
    stranger = make_character(charlie, other, upload, "Stranger")
    make_character(alice, project, upload, "Mika")
    client.force_login(alice)
    response = client.post(create_url(project), form([stranger]))
    assert response.status_code == 400 and "is not one of the available choices" in response.content.decode()
    assert not Video.objects.exists()


def test_the_lineage_names_the_cast_of_each_step(client, alice, project, upload, make_video):
    mika = make_character(alice, project, upload)
    root = make_video(project, alice, upstream_id="video_root")
    Appearance.objects.create(video=root, character=mika)
    child = make_video(project, alice, upstream_id="video_child", operation="edit", remixed_from=root)
    client.force_login(alice)
    page = client.get(reverse("videos:detail", args=[child.public_id])).content.decode()
    assert page.count("data-node-cast>with Mika</span>") == 2 and "<dt>Characters</dt>" in page


def test_edit_and_retry_starts_from_the_same_cast(client, alice, project, upload, make_video):
    mika = make_character(alice, project, upload)
    failed = make_video(project, alice, status=Video.Status.FAILED, size="720x1280")
    Appearance.objects.create(video=failed, character=mika)
    client.force_login(alice)
    page = client.get(create_url(project) + f"?from={failed.public_id}").content.decode()
    assert f'value="{mika.public_id}"' in page and f'value="{mika.public_id}" id="id_characters_0" checked' in page
