"""A deployment sets providers up without clicking: `manage.py provider add` and `provider model`, with the same
rules as the admin (allowed key variables only, no link-local addresses)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from providers.models import Provider

pytestmark = pytest.mark.django_db


def test_a_provider_and_its_model_are_added_from_a_script(seeded_models):
    call_command("provider", "add", "wan", "--name", "Wan on vLLM-Omni", "--base-url", "http://10.0.0.5:8091/v1",
                 "--key-env", "PROVIDER_WAN_KEY", "--max-in-flight", "2")  # fmt: skip
    call_command("provider", "model", "wan", "Wan-AI/Wan2.2-T2V-A14B-Diffusers", "--sizes", "832x480=0.02,1280x720=0.05",
                 "--seconds", "4,5,8")  # fmt: skip

    provider = Provider.objects.get(slug="wan")
    assert (provider.base_url, provider.api_key_env, provider.in_flight_cap) == ("http://10.0.0.5:8091/v1",
                                                                                 "PROVIDER_WAN_KEY", 2)  # fmt: skip
    model = provider.models.get()
    assert (model.sizes, model.seconds, str(model.price_per_second("1280x720"))) == (
        ["832x480", "1280x720"], ["4", "5", "8"], "0.05")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key-env", "SECRET_KEY"], "SECRET_KEY is not a variable"),
        (["--key-env", "DATABASE_URL"], "DATABASE_URL is not a variable"),
        (["--base-url", "http://169.254.169.254/v1"], "link-local"),
        (["--base-url", "ftp://files.example/v1"], "http:// or https://"),
    ],
)
def test_a_provider_the_studio_must_not_send_keys_to_is_refused(seeded_models, args, message):
    base = ["provider", "add", "evil", "--name", "Evil", "--base-url", "https://gw.example/v1"]
    with pytest.raises(CommandError, match=message):
        call_command(*base, *args)
    assert not Provider.objects.filter(slug="evil").exists()


def test_bad_model_values_are_refused(seeded_models):
    call_command("provider", "add", "gw", "--name", "Gateway", "--base-url", "https://gw.example/v1")
    for sizes, seconds in (("big=0.1", "4"), ("1280x720=NaN", "4"), ("1280x720=0.1", "four")):
        with pytest.raises(CommandError, match="Nothing saved"):
            call_command("provider", "model", "gw", "m", "--sizes", sizes, "--seconds", seconds)
    assert not Provider.objects.get(slug="gw").models.exists()
