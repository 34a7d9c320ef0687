"""Only superusers may add or change a provider or its key variable: a staff user with model-registry permissions
could otherwise name SECRET_KEY as a key variable and point the base URL at their own server, and the studio would
send its secret (and every member's prompts) there. Superusers get the same checks as the command."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from providers.models import Provider, ProviderModel
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, seeded_models):
    """Staff with every permission on providers and models, but not a superuser."""
    user = make_user("clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="providers"))
    client.force_login(user)
    return user


def _provider_form(**changes):
    data = {"name": "Evil", "slug": "evil", "kind": "remote", "base_url": "https://evil.example/v1",
            "api_key_env": "PROVIDER_EVIL", "webhook_secret_env": "", "max_in_flight": "", "is_active": "on",
            "sort_order": "0", "models-TOTAL_FORMS": "0", "models-INITIAL_FORMS": "0", "models-MIN_NUM_FORMS": "0",
            "models-MAX_NUM_FORMS": "1000"}  # fmt: skip
    data.update(changes)
    return data


def test_staff_cannot_add_or_change_a_provider(client, clerk):
    simulator = Provider.objects.get(slug="simulator")
    assert client.post(reverse("admin:providers_provider_add"), _provider_form(api_key_env="SECRET_KEY")).status_code == 403
    change = reverse("admin:providers_provider_change", args=[simulator.pk])
    client.post(change, _provider_form(name="Built-in simulator", slug="simulator", kind="simulator", base_url=""))
    assert not Provider.objects.filter(slug="evil").exists()
    assert Provider.objects.get(pk=simulator.pk).base_url == ""


def test_staff_cannot_move_a_model_to_another_provider(client, clerk):
    elsewhere = Provider.objects.create(slug="elsewhere", name="Elsewhere", base_url="https://else.example/v1")
    model = ProviderModel.objects.get(provider__slug="simulator", name="sora-2")
    url = reverse("admin:providers_providermodel_change", args=[model.pk])
    form = client.get(url).content.decode()
    assert 'name="provider"' not in form  # shown, not editable

    client.post(url, {"provider": elsewhere.pk, "name": "sora-2", "label": "x", "prices": '{"720x1280": "0.10"}',
                      "seconds": '["4"]', "is_active": "on", "sort_order": "0"})  # fmt: skip
    assert ProviderModel.objects.get(pk=model.pk).provider.slug == "simulator"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"api_key_env": "SECRET_KEY"}, "SECRET_KEY is not a variable"),
        ({"api_key_env": "DATABASE_URL"}, "DATABASE_URL is not a variable"),
        ({"webhook_secret_env": "S3_SECRET_ACCESS_KEY"}, "S3_SECRET_ACCESS_KEY is not a variable"),
        ({"base_url": "http://169.254.169.254/latest"}, "link-local"),
        ({"base_url": "http://metadata.google.internal/v1"}, "metadata"),
    ],
)
def test_even_a_superuser_cannot_name_a_studio_secret_or_a_metadata_address(client, staff, seeded_models, changes,
                                                                              message):  # fmt: skip
    response = client.post(reverse("admin:providers_provider_add"), _provider_form(**changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Provider.objects.filter(slug="evil").exists()


def test_a_superuser_adds_a_provider(client, staff, seeded_models):
    response = client.post(reverse("admin:providers_provider_add"), _provider_form())
    assert response.status_code == 302
    assert Provider.objects.get(slug="evil").api_key_env == "PROVIDER_EVIL"
