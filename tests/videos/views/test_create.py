"""The create form: it works, fits the reference image, refuses every bad input, and checks login, membership (404), role (403) and method (405)."""


from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import image_bytes
from videos.models import Video


def _create_url(project):
    return reverse("videos:create", args=[project.public_id])


def _post(client, project, **data):
    payload = {"prompt": "Close-up of a paper boat on a puddle", "model": "sora-2", "size": "720x1280", "seconds": 4}
    payload.update(data)
    return client.post(_create_url(project), payload)


def test_create_form_shows_models_sizes_and_guidance(client, alice, project):
    client.force_login(alice)
    r = client.get(_create_url(project))
    body = r.content.decode()
    assert r.status_code == 200
    assert 'value="simulator:sora-2-pro"' in body and "1792 × 1024" in body
    assert "lighting" in body.lower() and 'id="model-table"' in body


def test_create_saves_a_pending_video_and_shows_its_page(client, alice, project):
    client.force_login(alice)

    r = _post(client, project, model="sora-2-pro", size="1792x1024", seconds=8)

    video = Video.objects.get()
    assert r.status_code == 302 and r.url == reverse("videos:detail", args=[video.public_id])
    assert (video.model, video.size, video.seconds, video.status) == ("sora-2-pro", "1792x1024", 8, "pending")
    assert str(video.estimated_cost) == "4.00"  # 8 s × $0.50


def test_create_fits_the_reference_image_to_the_size(client, alice, project):
    from PIL import Image

    client.force_login(alice)
    upload = SimpleUploadedFile("ref.jpg", image_bytes("JPEG", size=(300, 300)), content_type="image/jpeg")

    _post(client, project, input_reference=upload, input_fit="contain", size="1280x720")

    video = Video.objects.get()
    with video.assets.get(kind="reference").file.open("rb") as fh:
        assert Image.open(fh).size == (1280, 720)
    assert video.input_fit == "contain"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"prompt": "   "}, "prompt", "prompt is empty"),
        ({"prompt": "x" * 32001}, "prompt", "32000"),
        ({"model": "sora-2", "size": "1792x1024"}, "size", "pick one of those"),
        ({"model": "sora-3"}, "model", "not one of the available choices"),
        ({"seconds": 5}, "seconds", "not one of the available choices"),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(client, alice, project, data, field, message):
    client.force_login(alice)

    r = _post(client, project, **data)

    assert r.status_code == 400
    assert any(message in e for e in r.context["form"].errors[field]), r.context["form"].errors
    assert not Video.objects.exists()


def test_create_refuses_a_text_file_named_png(client, alice, project):
    client.force_login(alice)
    fake = SimpleUploadedFile("ref.png", b"just some text, not an image", content_type="image/png")

    r = _post(client, project, input_reference=fake)

    assert r.status_code == 400
    assert "not a readable JPEG, PNG or WebP" in r.context["form"].errors["input_reference"][0]
    assert not Video.objects.exists()


def test_create_refuses_a_60_megapixel_image(client, alice, project):
    client.force_login(alice)
    # 10000 × 6000 of one colour compresses to a small PNG: only its header says how big it really is.
    big = SimpleUploadedFile("big.png", image_bytes("PNG", size=(10000, 6000), mode="1"), content_type="image/png")

    r = _post(client, project, input_reference=big)

    assert r.status_code == 400
    assert "60 megapixels" in r.context["form"].errors["input_reference"][0]
    assert not Video.objects.exists()


def test_a_double_clicked_submit_creates_one_video(client, alice, project):
    import uuid

    client.force_login(alice)
    token = str(uuid.uuid4())

    first = _post(client, project, submit_token=token)
    second = _post(client, project, submit_token=token)

    assert Video.objects.count() == 1
    assert first.url == second.url


def test_create_requires_login(client, project):
    r = client.get(_create_url(project))
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_create_is_404_for_outsiders_and_403_for_viewers(client, project, charlie, viewer):
    client.force_login(charlie)
    assert _post(client, project).status_code == 404
    client.force_login(viewer)
    assert _post(client, project).status_code == 403
    assert client.get(_create_url(project)).status_code == 403
    assert not Video.objects.exists()


def test_create_rejects_put(client, alice, project):
    client.force_login(alice)
    assert client.put(_create_url(project)).status_code == 405


def test_the_form_offers_only_what_the_providers_probe_saw_the_model_take(client, alice, project, settings):
    """A provider whose probe saw sora-2 refuse 720x1280 and 12 s: neither is offered, nor taken if posted."""
    from providers.models import Provider, ProviderModel

    settings.SORA_SIMULATOR = False  # only this provider is offered
    Provider.objects.filter(slug="simulator").update(is_active=False)
    gateway = Provider.objects.create(
        slug="gw", name="Gateway", base_url="https://gw.example/v1", api_key_env="PROVIDER_GW_KEY",
        profile={"models": {"sora-2": {"sizes": ["1280x720"], "refused_sizes": ["720x1280"], "seconds": ["4", "8"],
                                       "refused_seconds": ["12"]}}},
    )  # fmt: skip
    ProviderModel.objects.create(provider=gateway, name="sora-2", prices={"720x1280": "0.1", "1280x720": "0.1"},
                                 seconds=["4", "8", "12"])  # fmt: skip
    client.force_login(alice)

    page = client.get(reverse("videos:create", args=[project.public_id])).content.decode()
    refused = _post(client, project, model="gw:sora-2", size="720x1280", seconds=12)

    assert 'value="1280x720"' in page and 'value="720x1280"' not in page
    assert 'value="8"' in page and 'value="12"' not in page
    assert refused.status_code == 400 and not Video.objects.exists()


def test_a_submit_token_from_another_projects_form_is_refused_not_answered_with_that_video(client, alice, project):
    import uuid

    from accounts.actors import Actor
    from accounts.services import project_create

    client.force_login(alice)
    token = str(uuid.uuid4())
    other = project_create(actor=Actor.of_user(alice), name="Other film")
    first = _post(client, other, submit_token=token)
    theirs = Video.objects.get()
    assert first.status_code == 302

    again = _post(client, project, submit_token=token)

    assert again.status_code == 400
    assert "already sent for another video" in str(again.context["form"].non_field_errors())
    assert list(Video.objects.all()) == [theirs]
