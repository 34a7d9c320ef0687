"""The probe classifies every simulator profile, and the real LiteLLM proxy, as they really behave.

Each expected table below is written out from the profile's switches in videos/sora/simulator/profiles.py (and, for
LiteLLM, from the facts tests/providers/test_litellm_proxy.py asserts): which routes it serves, whether it honours
``variant``, its ids, its error shapes, its headers. The probe runs over real HTTP against the live test server's
simulator (and the proxy in front of it), with a budget of 6 so every route gets its real create; the test makes
the multipart create (the second or third job) fail upstream, so the table also says how a failed job is answered.
Upstream creates are counted by the simulator's own table (a post_save receiver), not by the probe.

Also here: fixtures and helpers the other test_probe_*.py files import.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from django.db.models.signals import post_save

from providers.capabilities import Capabilities
from providers.models import Provider, ProviderModel
from providers.probe import probe
from tests.sora.sim_profiles import PROFILE_NAMES, profile_base_url
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimCharacter, SimVideo

pytestmark = pytest.mark.django_db(transaction=True)

KEY_VARIABLE = "PROVIDER_PROBE_KEY"
KEY = "sk-probe-test-0123456789"
WAN = "Wan-AI/Wan2.2-T2V-A14B-Diffusers"
SORA_MODELS = {
    "sora-2": {"720x1280": "0.10", "1280x720": "0.10"},
    "sora-2-pro": {"720x1280": "0.30", "1280x720": "0.30", "1024x1792": "0.50", "1792x1024": "0.50"},
}
WAN_MODELS = {WAN: {"832x480": "0.02", "1280x720": "0.05"}}
FAST = {"poll_interval": 0.1, "follow_timeout": 60}


# ---------------------------------------------------------------------------------------------------------------
# Fixtures and helpers (imported by the other probe tests)
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def sim(studio, settings, tmp_path, monkeypatch):
    """The live server's simulator with every knob known; jobs take a second, so their words can be seen."""
    settings.SIM_MEDIA_DIR = str(tmp_path / "sim")
    settings.SIM_RENDER_SECONDS = 1.0
    settings.SIM_API_KEYS = []
    settings.SIM_FAULT_RATE = 0.0
    settings.SIM_POLL_AFTER_MS = None
    settings.SIM_MAX_IN_FLIGHT = 0
    settings.SIM_MODERATION_WORDS = ["blocked-content"]
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    return studio


def make_provider(slug: str, base_url: str, models: dict[str, dict[str, str]], *, seconds=("4", "8", "12"),
                  key_variable: str = KEY_VARIABLE) -> Provider:  # fmt: skip
    provider = Provider.objects.create(
        slug=slug, name=f"Probe test {slug}", base_url=base_url, api_key_env=key_variable
    )
    for order, (name, prices) in enumerate(models.items()):
        ProviderModel.objects.create(
            provider=provider, name=name, prices=prices, seconds=list(seconds), sort_order=order
        )
    return provider


def profile_provider(live_server, profile: str) -> Provider:
    if profile == "vllm-omni":
        return make_provider(profile, profile_base_url(live_server.url, profile), WAN_MODELS, seconds=("4", "5"))
    return make_provider(profile, profile_base_url(live_server.url, profile), SORA_MODELS)


class Upstream:
    """What really got created on the simulator (its own rows, as they are saved), for one key."""

    def __init__(self, key: str = KEY) -> None:
        self.key_hash = hashlib.sha256(key.encode()).hexdigest()
        self.jobs: list[tuple[str, str, str, str]] = []  # (kind, model, size, seconds)
        self.characters = 0

    def video_saved(self, sender, instance, created, **kwargs):
        if created and instance.key_hash == self.key_hash:
            self.jobs.append((instance.kind, instance.model, instance.size, instance.seconds))

    def character_saved(self, sender, instance, created, **kwargs):
        if created and instance.key_hash == self.key_hash:
            self.characters += 1


@pytest.fixture
def upstream():
    watcher = Upstream()
    post_save.connect(watcher.video_saved, sender=SimVideo, weak=False)
    post_save.connect(watcher.character_saved, sender=SimCharacter, weak=False)
    yield watcher
    post_save.disconnect(watcher.video_saved, sender=SimVideo)
    post_save.disconnect(watcher.character_saved, sender=SimCharacter)


def fail_the_image_job(message: str) -> None:
    """on_progress: make the multipart create with an image fail upstream (it is created next)."""
    if "multipart create with an image" in message:
        faults.inject("fail_job", code="internal_error")


def table_of(result) -> dict[str, tuple[str, str]]:
    return {row.capability: (row.mark, row.detail) for row in result.rows}


def marks(result) -> dict[str, str]:
    return {row.capability: row.mark for row in result.rows}


# ---------------------------------------------------------------------------------------------------------------
# The expected tables, from profiles.py
# ---------------------------------------------------------------------------------------------------------------
Y, N, U = "✔", "✖", "untested"
ROUTE_ROWS = ("create (JSON)", "create (multipart, with an image)", "retrieve", "list", "delete", "content: video",
              "content: thumbnail", "content: spritesheet", "remix", "edits", "extensions", "characters",
              "remixed_from_video_id is the source's id")  # fmt: skip
SORA_2_SIZES = {"720x1280": True, "1280x720": True, "1024x1792": False, "1792x1024": False, "832x480": False}
SORA_2_PRO_SIZES = {"720x1280": True, "1280x720": True, "1024x1792": True, "1792x1024": True, "832x480": False}
CONTRACT_SECONDS = {"4": True, "8": True, "12": True, "5": False}
CONTRACT_WORDS = {"queued": "queued", "in_progress": "in_progress", "completed": "completed", "failed": "failed"}
POISON = "json create with a refused input_reference"


def contract_like(**changes) -> dict:
    """The contract (profile ``openai``): every route, variants honoured, the contract's checks and words."""
    expected = {
        "routes": dict(zip(ROUTE_ROWS, [Y] * 13, strict=True)),
        "models": {
            "sora-2": (Y, SORA_2_SIZES, CONTRACT_SECONDS, POISON, POISON),
            "sora-2-pro": (Y, SORA_2_PRO_SIZES, CONTRACT_SECONDS, POISON, POISON),
        },
        "words": CONTRACT_WORDS,
        "failed": (Y, "200 with status 'failed'"),
        "deleted": Y,
        "ids": (54, 54, r"video_ \+ 48 hex"),
        "envelope": "openai (create)",
        "headers": {"openai-poll-after-ms": Y, "x-request-id": Y, "retry-after": U},
        "variant_types": {"content: video": "MP4", "content: thumbnail": "WebP", "content: spritesheet": "JPEG"},
        "cost": {"jobs": 5, "seconds": 20, "characters": 1, "usd": "2.00"},
        "upstream_kinds": ["create", "remix", "create", "edit", "extension"],
    }
    for key, value in changes.items():
        if key == "route_changes":
            expected["routes"] = {**expected["routes"], **value}
        else:
            expected[key] = value
    return expected


MP4_EVERYWHERE = {"content: video": "MP4", "content: thumbnail": "MP4", "content: spritesheet": "MP4"}
NO_EXTRAS = {"remix": N, "edits": N, "extensions": N, "characters": N, "remixed_from_video_id is the source's id": U}

EXPECTED = {
    # The contract, faithfully.
    "openai": contract_like(),
    # The contract with other words (pending/processing/done); failures keep "failed" unless cancelled/expired.
    "statuswords": contract_like(
        words={"pending": "queued", "processing": "in_progress", "done": "completed", "failed": "failed"}
    ),
    # The contract with 1,000+ character ids (Ids.LONG) and remixes that name the raw upstream id.
    "longids": contract_like(
        ids=(1000, 1300, r"video_ \+ 1\d\d\d base64"), route_changes={"remixed_from_video_id is the source's id": N}
    ),
    # vLLM-Omni: routes create/list/retrieve/delete/content; a create reads Form fields only (JSON -> "prompt
    # missing"); the one served model; any WxH and whole seconds (FastAPI lists every bad field, so each value is
    # checked without a prompt); no variants (the MP4 always); a failed job's retrieve answers 500 with the job;
    # ids video_gen_<32 hex>; vLLM's ErrorResponse (code = the status); no poll hint, no request id.
    "vllm-omni": contract_like(
        route_changes={"create (JSON)": N, "content: thumbnail": N, "content: spritesheet": N, **NO_EXTRAS},
        models={
            WAN: (
                U,
                {"1280x720": True, "832x480": True, "720x1280": True, "1024x1792": True, "1792x1024": True},
                {"4": True, "5": True, "8": True, "12": True},
                "multipart create without a prompt",
                "multipart create without a prompt",
            )
        },  # fmt: skip
        failed=(N, "500 with the job as the body (status 'failed')"),
        ids=(42, 42, r"video_gen_ \+ 32 hex"),
        envelope="openai (code = HTTP status) (create)",
        headers={"openai-poll-after-ms": N, "x-request-id": N, "retry-after": U},
        variant_types=MP4_EVERYWHERE,
        cost={"jobs": 2, "seconds": 8, "characters": 0, "usd": "0.16"},
        upstream_kinds=["create", "create"],
    ),
    # SGLang: the same routes; JSON and multipart creates (multipart needs the image, which the probe sends); any
    # model echoed and any size (a bad one falls back to 720x1280: not checkable), seconds parsed as integers (a
    # bad one is named, even without a prompt); delete forgets and answers the video with status "deleted";
    # uuid ids; FastAPI {"detail"} errors; a failed job is a 200.
    "sglang": contract_like(
        route_changes={"content: thumbnail": N, "content: spritesheet": N, **NO_EXTRAS},
        models={
            name: (
                U,
                {size: None for size in ("720x1280", "1280x720", "1024x1792", "1792x1024", "832x480")},
                {"4": True, "8": True, "12": True, "5": True},
                None,
                "json create without a prompt",
            )
            for name in SORA_MODELS
        },  # fmt: skip
        ids=(36, 36, "uuid"),
        envelope="fastapi (create)",
        headers={"openai-poll-after-ms": N, "x-request-id": N, "retry-after": U},
        variant_types=MP4_EVERYWHERE,
        cost={"jobs": 2, "seconds": 8, "characters": 0, "usd": "0.80"},
        upstream_kinds=["create", "create"],
    ),
    # A new-api-like relay: create, retrieve, content (always the MP4), remix; everything else is gin's 404;
    # its own size check for Sora models, then the contract upstream (wrapped); task_ ids; the request id in
    # X-Oneapi-Request-Id; no poll hint; a deleted job cannot be asked about (no delete).
    "relay": contract_like(
        route_changes={
            "list": N,
            "delete": N,
            "content: thumbnail": N,
            "content: spritesheet": N,
            "edits": N,
            "extensions": N,
            "characters": N,
            "remixed_from_video_id is the source's id": N,
        },  # fmt: skip
        deleted=U,
        ids=(37, 37, r"task_ \+ 32 letters and digits"),
        envelope="new-api (create)",
        headers={"openai-poll-after-ms": N, "x-request-id": N, "retry-after": U},
        variant_types=MP4_EVERYWHERE,
        cost={"jobs": 3, "seconds": 12, "characters": 0, "usd": "1.20"},
        upstream_kinds=["create", "remix", "create"],
    ),
}


def check_table(result, expected: dict) -> None:
    table = table_of(result)
    assert {name: table[name][0] for name in ROUTE_ROWS} == expected["routes"]
    for row, kind in expected["variant_types"].items():
        assert table[row][1].startswith(f"{kind}, "), (row, table[row])
    for name, (accepted, sizes, seconds, size_how, seconds_how) in expected["models"].items():
        assert table[f"model {name}"][0] == accepted, (name, table[f"model {name}"])
        for what, found, how in (("sizes", sizes, size_how), ("seconds", seconds, seconds_how)):
            listed = ", ".join(f"{value} {Y if ok else N if ok is False else '?'}" for value, ok in found.items())
            assert table[f"{name}: {what}"][1].startswith(listed), (name, what, table[f"{name}: {what}"])
            if how:
                assert table[f"{name}: {what}"][1].endswith(f"({how})")
    words = ", ".join(f"{word} → {meaning}" for word, meaning in expected["words"].items())
    assert table["status words"] == (Y, words)
    assert table["failed job answered with 2xx"] == expected["failed"]
    assert table["a deleted job answers 404"][0] == expected["deleted"]
    low, high, shape = expected["ids"]
    longest = result.profile["id_max_length"]
    assert low <= longest <= high
    assert re.fullmatch(rf"{longest} characters at most; {shape}", table["ids"][1]), table["ids"]
    assert table["error envelope"][1].startswith(expected["envelope"])
    assert {name: table[f"header {name}"][0] for name in expected["headers"]} == expected["headers"]
    assert table["webhooks"][0] == U
    cost = result.profile["cost"]
    assert {key: cost[key] for key in expected["cost"]} == expected["cost"]
    assert table["measured at"][1] == result.measured_at.isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_the_probe_classifies_every_simulator_profile(sim, upstream, profile):
    assert set(EXPECTED) == set(PROFILE_NAMES)  # a new profile needs its expected table here
    provider = profile_provider(sim, profile)

    result = probe(provider, allow_spend=Decimal("20"), create_budget=6, on_progress=fail_the_image_job, **FAST)

    expected = EXPECTED[profile]
    check_table(result, expected)
    # What the simulator really made: exactly the jobs the probe says (the value checks made none).
    assert [kind for kind, *_ in upstream.jobs] == expected["upstream_kinds"]
    assert upstream.characters == expected["cost"]["characters"]
    assert result.profile["cost"]["created"] <= 6
    # Everything it could delete is gone.
    if expected["routes"]["delete"] == Y:
        assert not SimVideo.objects.filter(key_hash=upstream.key_hash).exists()
    # The profile is in providers/capabilities.py's schema: the pipeline's questions get the table's answers.
    capabilities = Capabilities.from_profile(result.profile)
    table = table_of(result)
    for route, row in (("create_json", "create (JSON)"), ("create_multipart", "create (multipart, with an image)"),
                       ("list", "list"), ("delete", "delete"), ("remix", "remix"), ("edits", "edits"),
                       ("content", "content: video")):  # fmt: skip
        assert capabilities.knows(route) is {Y: True, N: False, U: None}[table[row][0]], route
    for variant in ("thumbnail", "spritesheet"):
        assert capabilities.serves_variant(variant) is (table[f"content: {variant}"][0] == Y)
    assert all(capabilities.status_of(word) == meaning for word, meaning in result.profile["status_words"].items())


def test_the_litellm_proxy(sim, upstream, litellm_proxy, monkeypatch):
    """LiteLLM 1.110.2 in front of the contract (facts: tests/providers/test_litellm_proxy.py): no delete (405), no
    list (400 "LLM Provider NOT provided"), variants ignored (the MP4), ~266-character ids, errors wrapped; the model
    and sizes are checked through the upstream's answers (a bad seconds named after the size), the seconds cannot
    be (nothing the contract checks after them gets through the proxy); the character route is not tried (the
    proxy would send it to api.openai.com)."""
    monkeypatch.setenv("PROVIDER_LITELLM_KEY", litellm_proxy.master_key)
    provider = make_provider("litellm", litellm_proxy.base_url, SORA_MODELS, key_variable="PROVIDER_LITELLM_KEY")
    watcher = Upstream(litellm_proxy.upstream_api_key)
    post_save.connect(watcher.video_saved, sender=SimVideo, weak=False)
    try:
        result = probe(provider, allow_spend=Decimal("20"), create_budget=6, on_progress=fail_the_image_job, **FAST)
    finally:
        post_save.disconnect(watcher.video_saved, sender=SimVideo)

    order = "json create with a bad seconds checked after it"
    expected = contract_like(
        route_changes={
            "list": N,
            "delete": N,
            "content: thumbnail": N,
            "content: spritesheet": N,
            "characters": U,
            "remixed_from_video_id is the source's id": N,
        },  # fmt: skip
        models={
            "sora-2": (Y, SORA_2_SIZES, {value: None for value in CONTRACT_SECONDS}, order, None),
            "sora-2-pro": (Y, SORA_2_PRO_SIZES, {value: None for value in CONTRACT_SECONDS}, order, None),
        },
        deleted=U,
        ids=(266, 266, r"video_ \+ 260 base64"),
        envelope="openai (code = HTTP status) (create)",
        headers={"openai-poll-after-ms": N, "x-request-id": N, "retry-after": U},
        variant_types=MP4_EVERYWHERE,
        cost={"jobs": 5, "seconds": 20, "characters": 0, "usd": "2.00"},
    )
    check_table(result, expected)
    table = table_of(result)
    assert table["model sora-2"][1] == "json create with a bad size and seconds checked after it"
    assert table["list"][1].startswith("400 litellm.BadRequestError: LLM Provider NOT provided.")
    assert table["delete"][1] == "405 Method Not Allowed"
    assert table["characters"][1] == "not tried: LiteLLM sends it to api.openai.com, not to its configured upstream"
    assert "x-litellm-version" not in table["header x-request-id"][1]
    assert table["header x-request-id"][1] == "not sent; sent: llm_provider-x-request-id, request-id"
    assert "litellm (list)" in table["error envelope"][1]
    assert [kind for kind, *_ in watcher.jobs] == ["create", "remix", "create", "edit", "extension"]
    assert "The server is a LiteLLM 1.110.2 proxy (x-litellm-version)." in result.profile["notes"]
    assert re.search(r"5 of the probe's 5 job\(s\) stay on the provider", " ".join(result.profile["notes"]))


def test_a_model_the_server_does_not_serve_is_refused_and_the_next_one_is_used(sim, upstream):
    """vLLM-Omni serves one model: a registry that lists sora-2 first (cheaper) gets sora-2 marked refused by the
    create's "Model mismatch" 400 (no job, no budget used) and the served model's job instead."""
    provider = make_provider("vllm-two", profile_base_url(sim.url, "vllm-omni"),
                             {"sora-2": {"720x1280": "0.01"}, **WAN_MODELS}, seconds=("4",))  # fmt: skip

    result = probe(provider, allow_spend=Decimal("1"), create_budget=1, **FAST)

    assert [job[1:] for job in upstream.jobs] == [(WAN, "832x480", "4")]
    table = table_of(result)
    assert table["model sora-2"] == (
        N,
        f"a create was refused: 400 Model mismatch: request specifies 'sora-2' but server is running '{WAN}'.",
    )
    assert table["sora-2: sizes"] == (U, "720x1280 ?, 1280x720 ?, 1024x1792 ?, 1792x1024 ?, 832x480 ? (the model is "
                                         "refused)")  # fmt: skip
    assert result.profile["models"]["sora-2"]["accepted"] is False and "sizes" not in result.profile["models"]["sora-2"]
    assert table["create (JSON)"][0] == N and table["content: video"][0] == Y
