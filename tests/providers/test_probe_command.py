"""``manage.py provider`` (list, show, probe) and ``manage.py probe_provider``: the plan first, a question before
anything is created, the table after, stored on the provider."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from providers.models import Provider
from tests.providers.test_probe_profiles import profile_provider, sim, upstream  # noqa: F401  (fixtures)
from tests.sora.sim_profiles import profile_base_url

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    original = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out)
    finally:
        sys.stdin = original
    return out.getvalue()


def test_probe_prints_the_plan_asks_and_stores_the_table(sim, upstream):
    provider = profile_provider(sim, "openai")

    out = run("provider", "probe", provider.slug, "--poll-interval", "0.1", stdin="y\n")

    assert out.startswith(
        f"Probe {provider.name} ({profile_base_url(sim.url, 'openai')}): at most 3 object(s) created upstream, each "
        "sora-2, 720x1280, 4 s, $0.40:\n  1. a create (JSON, or multipart without an image when the server reads no "
        "JSON)\n  2. a remix of it\n  3. a multipart create with an image\nAt most $1.20 in all."
    )
    assert "Spend allowed: $1.20.\nCreate and spend this? [y/N] " in out
    assert "  Creating object 1 of at most 3: a create" in out
    assert "\ncapability" in out and "create (JSON)" in out and "✔" in out
    assert [job[0] for job in upstream.jobs] == ["create", "remix", "create"]
    provider.refresh_from_db()
    assert provider.probed_at is not None and provider.profile["routes"]["remix"] is True
    assert out.rstrip().endswith(f"Stored on {provider.name} (probed at {provider.profile['measured_at']}).")


@pytest.mark.parametrize("answer", ["", "n\n", "no\n", "maybe\n"])
def test_anything_but_yes_creates_nothing(sim, upstream, answer):
    provider = profile_provider(sim, "openai")

    with pytest.raises(CommandError) as info:
        run("provider", "probe", provider.slug, stdin=answer)

    assert str(info.value) == "Nothing was created. Answer y, or run again with --yes (or --no-create)."
    assert upstream.jobs == []
    provider.refresh_from_db()
    assert (provider.profile, provider.probed_at) == ({}, None)


def test_no_create_asks_nothing_and_creates_nothing(sim, upstream):
    provider = profile_provider(sim, "vllm-omni")

    out = run("probe_provider", provider.name, "--no-create")

    assert "without creating anything (budget 0): no spend." in out
    assert "[y/N]" not in out
    assert upstream.jobs == []
    provider.refresh_from_db()
    assert provider.profile["models"]["Wan-AI/Wan2.2-T2V-A14B-Diffusers"]["seconds"] == ["4", "5", "8", "12"]


def test_yes_and_a_spend_cap(sim, upstream):
    provider = profile_provider(sim, "sglang")

    out = run("provider", "probe", provider.slug, "--yes", "--budget", "2", "--allow-spend", "0.40",
              "--poll-interval", "0.1")  # fmt: skip

    assert "Spend allowed: $0.40." in out and "[y/N]" not in out
    assert [job[0] for job in upstream.jobs] == ["create"]  # the second would pass $0.40


def test_show_and_list(sim):
    provider = profile_provider(sim, "relay")
    assert run("provider", "show", provider.slug) == (
        f"{provider.name} has not been probed yet: manage.py provider probe {provider.slug}\n"
    )
    run("provider", "probe", provider.slug, "--no-create")

    shown = run("provider", "show", provider.name)
    listed = run("provider", "list")

    assert shown.startswith(f"{provider.name} ({provider.base_url})\ncapability")
    assert "list" in shown and "404 Invalid URL (GET /v1/videos)" in shown
    provider.refresh_from_db()
    assert f"{provider.slug}: {provider.name}, {provider.base_url}, {provider.profile['measured_at']}" in listed
    assert "simulator: Built-in simulator" in listed and "never probed" in listed


def test_bad_input_is_a_clear_error(sim, local_server_html):
    with pytest.raises(CommandError) as info:
        run("provider", "probe", "no-such-provider")
    assert str(info.value).startswith("No provider called “no-such-provider” (providers: ")

    provider = profile_provider(sim, "openai")
    with pytest.raises(CommandError) as info:
        run("provider", "probe", provider.slug, "--allow-spend", "lots", "--yes")
    assert str(info.value) == "--allow-spend must be a dollar amount, got 'lots'."
    with pytest.raises(CommandError) as info:
        run("provider", "probe", provider.slug, "--allow-spend", "-1", "--yes")
    assert str(info.value) == "The spend allowed must be a dollar amount from 0 to 1000.00."

    Provider.objects.filter(pk=provider.pk).update(base_url=local_server_html)
    with pytest.raises(CommandError) as info:
        run("provider", "probe", provider.slug, "--no-create")
    assert str(info.value) == (
        f"The probe could not measure {provider.name}: {local_server_html} answers HTML "
        "(status 200), not the /v1/videos API: is the base URL right? It usually ends in /v1."
    )


@pytest.fixture
def local_server_html():
    from tests.sora.test_client_tolerance import LocalServer, html

    server = LocalServer()
    server.route("*", "", html(200))
    yield f"{server.url}/v1"
    server.close()
