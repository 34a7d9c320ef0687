"""``provider_probe``: who may probe, what limits are accepted, and what is stored on the provider."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.actors import Actor
from providers.capabilities import Capabilities
from providers.services import provider_probe
from tests.conftest import make_user
from tests.providers.test_probe_bad_input import FakeVideos, key  # noqa: F401  (key is a fixture)
from tests.providers.test_probe_profiles import FAST, KEY, SORA_MODELS, make_provider
from tests.sora.test_client_tolerance import answer, local_server  # noqa: F401  (local_server is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(key, local_server):
    return FakeVideos(local_server)


@pytest.mark.parametrize(
    "who",
    ["member", "staff", "inactive superuser", "nobody"],
)
def test_only_superusers_or_the_studio_may_probe(fake, who):
    provider = make_provider("fake", fake.url, SORA_MODELS)
    user = {
        "member": lambda: make_user("mia"),
        "staff": lambda: make_user("stan", is_staff=True),
        "inactive superuser": lambda: make_user("old", is_staff=True, is_superuser=True, is_active=False),
        "nobody": lambda: None,
    }[who]()
    actor = Actor.of_user(user) if user is not None else Actor("staff", None, "admin")

    with pytest.raises(PermissionDenied):
        provider_probe(actor=actor, provider=provider, allow_spend=Decimal("1"), create_budget=1, **FAST)

    assert fake.server.requests == []
    provider.refresh_from_db()
    assert (provider.profile, provider.probed_at) == ({}, None)


@pytest.mark.parametrize(
    "budget, spend, field",
    [(-1, "1", "create_budget"), (11, "1", "create_budget"), ("three", "1", "create_budget"),
     (1, "-0.01", "allow_spend"), (1, "NaN", "allow_spend"), (1, "Infinity", "allow_spend"),
     (1, "1000.01", "allow_spend"), (1, "lots", "allow_spend")],
)  # fmt: skip
def test_bad_limits_are_refused_before_any_request(fake, budget, spend, field):
    provider = make_provider("fake", fake.url, SORA_MODELS)

    with pytest.raises(ValidationError) as info:
        provider_probe(actor=Actor.system("test"), provider=provider, allow_spend=spend, create_budget=budget, **FAST)

    assert list(info.value.message_dict) == [field]
    assert fake.server.requests == []


def test_a_superuser_probe_is_stored_and_a_later_one_replaces_it(fake):
    provider = make_provider("fake", fake.url, SORA_MODELS)
    root = make_user("root", is_staff=True, is_superuser=True)

    first = provider_probe(actor=Actor.of_user(root), provider=provider, allow_spend=Decimal("1"), create_budget=1,
                           **FAST)  # fmt: skip
    provider.refresh_from_db()
    assert provider.profile == first.profile and provider.probed_at == first.measured_at
    assert provider.profile["table"] == [[row.capability, row.mark, row.detail] for row in first.rows]
    capabilities = Capabilities.for_provider(provider)
    assert capabilities.measured and capabilities.knows("create_json") is True
    assert capabilities.knows("remix") is False  # the fake has no remix route: 404, nothing spent
    assert len(fake.created) == 1

    second = provider_probe(actor=Actor.system("test"), provider=provider, allow_spend=Decimal("0"), create_budget=0,
                            **FAST)  # fmt: skip
    provider.refresh_from_db()
    assert provider.probed_at == second.measured_at > first.measured_at
    assert provider.profile["probe"] == {"create_budget": 0, "allow_spend": "0.00"}
    assert len(fake.created) == 1


def test_the_key_never_reaches_the_stored_profile(fake):
    """A server that echoes the key in its errors: what the probe stores says [redacted] instead."""
    fake.server.routes.insert(
        0, ("GET", re.compile(r"^/v1/videos\?"), answer(400, {"error": {"message": f"bad {KEY}"}}))
    )
    provider = make_provider("fake", fake.url, SORA_MODELS)

    result = provider_probe(actor=Actor.system("test"), provider=provider, allow_spend=Decimal("1"), create_budget=1,
                            **FAST)  # fmt: skip

    provider.refresh_from_db()
    assert dict((row[0], row[2]) for row in provider.profile["table"])["list"] == "400 bad [redacted]"
    assert KEY not in repr(provider.profile) and KEY not in result.table
