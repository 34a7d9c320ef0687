"""A job's client comes from its provider: the provider's base URL, and the key from the environment variable the
provider names (never stored). Two providers can serve the same model name; each job goes to its own."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.actors import Actor
from providers.models import Provider, ProviderModel
from tests.conftest import sim_client
from videos import services, tasks
from videos.models import Video
from videos.sora.client import SoraClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partner(studio, monkeypatch):
    """Another provider: the same simulator, reached under another key, offering its own copy of sora-2."""
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_start", lambda video_id, token: None)
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: None)
    provider = Provider.objects.create(
        slug="partner", name="Partner gateway", base_url=f"{studio.url}/sim/v1", api_key_env="PROVIDER_PARTNER_KEY"
    )
    ProviderModel.objects.create(provider=provider, name="sora-2", label="Sora 2", prices={"720x1280": "0.20"},
                                 seconds=["4", "8"])  # fmt: skip
    return provider


def _submit(alice, project, model):
    return services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A heron lands on a pier",
                                 model=model, size="720x1280", seconds=4)  # fmt: skip


def _start_all():
    for video_id, token in services.jobs_claim_startable():
        services.video_start(video_id=video_id, token=token)


def test_a_model_goes_to_its_own_provider_with_that_providers_key(partner, alice, project, monkeypatch):
    monkeypatch.setenv("PROVIDER_PARTNER_KEY", "sk-partner-123")
    ours = _submit(alice, project, "partner:sora-2")
    default = _submit(alice, project, "simulator:sora-2")

    _start_all()

    ours.refresh_from_db(), default.refresh_from_db()
    assert (ours.provider, default.provider.slug) == (partner, "simulator")
    assert str(ours.estimated_cost) == "0.80"  # the partner's own price: 4 s x $0.20
    assert ours.status in (Video.Status.QUEUED, Video.Status.IN_PROGRESS)
    partner_client = SoraClient(api_key="sk-partner-123", base_url=partner.base_url)
    assert [job.id for job in partner_client.list()] == [ours.upstream_id]  # under the partner's key...
    assert [job.id for job in sim_client().list()] == [default.upstream_id]  # ...and the simulator's own


def test_a_bare_model_name_picks_the_first_provider_offering_it(partner, alice, project):
    Provider.objects.filter(slug="simulator").update(sort_order=200)
    assert _submit(alice, project, "sora-2").provider == partner


def test_an_empty_key_variable_fails_the_video_with_a_message_naming_it(partner, alice, project, monkeypatch):
    monkeypatch.delenv("PROVIDER_PARTNER_KEY", raising=False)
    video = _submit(alice, project, "partner:sora-2")

    _start_all()

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.upstream_id is None
    assert "PROVIDER_PARTNER_KEY" in video.error_message
    assert list(SoraClient(api_key="anything", base_url=partner.base_url).list()) == []


def test_a_key_variable_that_is_not_allowed_is_never_read(partner, alice, project, monkeypatch):
    """A provider naming SECRET_KEY (or any variable outside the allowed ones) gets nothing sent anywhere."""
    monkeypatch.setenv("SECRET_KEY", "the-studios-own-secret")
    Provider.objects.filter(pk=partner.pk).update(api_key_env="SECRET_KEY")
    video = _submit(alice, project, "partner:sora-2")

    _start_all()

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and "SECRET_KEY is not a variable" in video.error_message
    assert list(SoraClient(api_key="the-studios-own-secret", base_url=partner.base_url).list()) == []


def test_the_same_upstream_id_may_belong_to_two_providers(partner, alice, project, make_video):
    """Upstream ids are unique per provider, not site-wide, and of any length."""
    long_id = "video_" + "x" * 1500
    a = make_video(project, alice, upstream_id=long_id)
    b = make_video(project, alice, upstream_id=long_id, provider=partner)
    assert a.upstream_id == b.upstream_id == long_id and a.provider != b.provider
    with pytest.raises(IntegrityError), transaction.atomic():
        make_video(project, alice, upstream_id=long_id, provider=partner)
