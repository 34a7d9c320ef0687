"""The spend guard: the probe never creates more than its budget, nor spends more than it is allowed, and with a
budget of 0 (``--no-create``) creates nothing at all: counted on the server's side, not the probe's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from providers.models import ProviderModel
from providers.probe import ProbeError, plan, probe
from tests.providers.test_probe_bad_input import FakeVideos, key  # noqa: F401  (key is a fixture)
from tests.providers.test_probe_profiles import (  # noqa: F401  (fixtures)
    FAST,
    SORA_MODELS,
    make_provider,
    marks,
    profile_provider,
    sim,
    table_of,
    upstream,
)
from tests.sora.sim_profiles import PROFILE_NAMES, profile_base_url
from tests.sora.test_client_tolerance import local_server  # noqa: F401  (a fixture)

Y, N, U = "✔", "✖", "untested"
JOB_ROWS = ("create (JSON)", "create (multipart, with an image)", "retrieve", "content: video", "content: thumbnail",
            "content: spritesheet", "remix", "edits", "extensions", "characters")  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_default_budget_creates_three_objects_in_the_announced_order(sim, upstream):
    provider = profile_provider(sim, "openai")
    the_plan = plan(provider)
    assert the_plan.jobs == ("create", "remix", "multipart")
    assert the_plan.max_spend == Decimal("1.20")  # 3 x sora-2 720x1280 4 s at $0.10 a second
    assert the_plan.lines()[0] == (
        f"Probe {provider.name} ({provider.base_url}): at most 3 object(s) created upstream, each sora-2, 720x1280, "
        "4 s, $0.40:"
    )

    result = probe(provider, allow_spend=the_plan.max_spend, **FAST)

    assert [job[0] for job in upstream.jobs] == ["create", "remix", "create"]
    assert all(job[1:] == ("sora-2", "720x1280", "4") for job in upstream.jobs)
    table = table_of(result)
    for row in ("edits", "extensions", "characters"):
        assert table[row] == (U, "answers; not tried: budget or spend used up")
    cost = result.profile["cost"]
    assert (cost["created"], cost["jobs"], cost["usd"]) == (3, 3, "1.20")
    # Every value check was refused: sizes and durations were measured without a single extra job.
    assert table["sora-2-pro: sizes"][0] == Y


@pytest.mark.django_db(transaction=True)
def test_the_spend_cap_stops_creating_before_the_budget(sim, upstream):
    provider = profile_provider(sim, "openai")

    result = probe(provider, allow_spend=Decimal("0.80"), create_budget=6, **FAST)

    assert [job[0] for job in upstream.jobs] == ["create", "remix"]
    assert result.profile["cost"]["usd"] == "0.80"
    assert marks(result)["create (multipart, with an image)"] == U


@pytest.mark.django_db(transaction=True)
def test_no_spend_allowed_means_no_job_and_no_check_with_a_prompt(sim, upstream):
    provider = profile_provider(sim, "openai")

    result = probe(provider, allow_spend=Decimal("0"), create_budget=3, **FAST)

    assert upstream.jobs == []
    assert {row: marks(result)[row] for row in JOB_ROWS} == dict.fromkeys(JOB_ROWS, U)
    assert "Value checks with a prompt skipped: no create budget or spend left for the risk." in result.profile["notes"]


# What a probe with nothing to spend still measures (profiles.py): the list route; sizes and seconds where the
# server names bad values without a prompt (vLLM-Omni lists every bad Form field; SGLang parses seconds first).
NO_CREATE = {
    "openai": {"list": Y, "sora-2: sizes": U, "sora-2: seconds": U},
    "statuswords": {"list": Y, "sora-2: sizes": U, "sora-2: seconds": U},
    "longids": {"list": Y, "sora-2: sizes": U, "sora-2: seconds": U},
    "relay": {"list": N, "sora-2: sizes": U, "sora-2: seconds": U},
    "vllm-omni": {
        "list": Y,
        "Wan-AI/Wan2.2-T2V-A14B-Diffusers: sizes": Y,
        "Wan-AI/Wan2.2-T2V-A14B-Diffusers: seconds": Y,
    },
    "sglang": {"list": Y, "sora-2: sizes": U, "sora-2: seconds": Y},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_a_budget_of_zero_creates_nothing_anywhere(sim, upstream, profile):
    provider = profile_provider(sim, profile)
    assert plan(provider, create_budget=0).lines() == [
        f"Probe {provider.name} ({profile_base_url(sim.url, profile)}) without creating anything (budget 0): no spend."
    ]

    result = probe(provider, allow_spend=Decimal("100"), create_budget=0, **FAST)

    assert upstream.jobs == [] and upstream.characters == 0
    found = marks(result)
    assert {row: found[row] for row in JOB_ROWS} == dict.fromkeys(JOB_ROWS, U)
    assert {row: found[row] for row in NO_CREATE[profile]} == NO_CREATE[profile]
    assert result.profile["cost"]["created"] == 0
    assert "Nothing created (budget 0): routes that need a job are untested." in result.profile["notes"]


@pytest.mark.django_db
@pytest.mark.parametrize("budget", [0, 1, 2])
def test_a_server_that_takes_every_create_never_gets_more_than_the_budget(key, local_server, budget):
    """A server that takes values no real one does (so a check meant to be refused makes a job): the job is
    counted, the checks stop, and the server never sees more creates than the budget."""
    fake = FakeVideos(local_server)
    provider = make_provider("fake", fake.url, SORA_MODELS)

    result = probe(provider, allow_spend=Decimal("100"), create_budget=budget, **FAST)

    assert len(fake.created) == budget
    assert result.profile["cost"]["created"] == budget
    posts_with_a_prompt = [body for (method, path), body in zip(local_server.requests, local_server.bodies, strict=True)
                           if method == "POST" and b"prompt" in body]  # fmt: skip
    assert len(posts_with_a_prompt) == budget
    if budget:
        assert any("made a job (counted)" in note for note in result.profile["notes"])


@pytest.mark.django_db
def test_a_registry_without_prices_cannot_create(key, local_server):
    fake = FakeVideos(local_server)
    provider = make_provider("fake", fake.url, {})
    ProviderModel.objects.create(provider=provider, name="sora-2", prices={}, seconds=["4"])

    with pytest.raises(ProbeError) as info:
        probe(provider, allow_spend=Decimal("5"), create_budget=1, **FAST)

    assert info.value.message == (f"{provider.name} has no active model with a size and a price in the registry: add "
                                  "one (the probe creates with it), or probe without creating.")  # fmt: skip
    assert local_server.requests == []
