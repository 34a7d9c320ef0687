"""The probe in the admin: superusers only; the action leads to the plan and a form, the probe runs as a django-q2
task (inline here: Q_CLUSTER sync), its page shows the progress then the table, the provider's page shows the
stored table."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from providers import services, tasks
from providers.models import ProbeRun
from tests.conftest import make_user
from tests.providers.test_probe_profiles import profile_provider, sim, upstream  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(db):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def clerk(db):
    """Staff who may look at providers, but is no superuser."""
    user = make_user("clerk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_provider", "view_providermodel"]))
    return user


@pytest.fixture(autouse=True)
def quick_task(monkeypatch):
    monkeypatch.setattr(services, "TASK_POLL_INTERVAL", 0.1)


def probe_url(provider) -> str:
    return reverse("admin:providers_provider_probe", args=[provider.pk])


def test_the_action_leads_to_the_plan_and_the_probe_runs_as_a_task(client, root, sim, upstream, monkeypatch):
    provider = profile_provider(sim, "openai")
    enqueued = []
    real_enqueue = tasks.enqueue_probe
    monkeypatch.setattr(
        tasks, "enqueue_probe", lambda provider_id: (enqueued.append(provider_id), real_enqueue(provider_id))
    )
    client.force_login(root)
    changelist = reverse("admin:providers_provider_changelist")

    chosen = client.post(changelist, {"action": "probe_provider", "_selected_action": [provider.pk]})
    assert chosen.status_code == 302 and chosen["Location"] == probe_url(provider)

    page = client.get(probe_url(provider))
    text = page.content.decode()
    assert page.status_code == 200
    assert "at most 3 object(s) created upstream, each sora-2, 720x1280, 4 s, $0.40:" in text
    assert 'name="allow_spend" value="1.20"' in text and upstream.jobs == []

    started = client.post(probe_url(provider), {"create_budget": "3", "allow_spend": "1.20"})

    run = ProbeRun.objects.get()
    assert enqueued == [provider.pk]  # the task got the provider id, nothing else
    assert started.status_code == 302
    assert started["Location"] == reverse("admin:providers_provider_probe_run", args=[provider.pk, run.public_id])
    assert (run.state, run.requested_by, run.create_budget, run.allow_spend) == ("done", root, 3, Decimal("1.20"))
    assert [job[0] for job in upstream.jobs] == ["create", "remix", "create"]
    assert run.progress[0][1] == f"Probing {provider.name} at {provider.base_url}"

    shown = client.get(started["Location"]).content.decode()
    assert "<strong>Done</strong>" in shown and "asked by root" in shown
    assert '<th scope="row">remix</th><td class="mark yes">✔</td>' in shown
    assert '<th scope="row">edits</th><td class="mark untested">untested</td>' in shown

    status = client.get(reverse("admin:providers_provider_probe_status", args=[provider.pk, run.public_id]))
    data = json.loads(status.content)
    assert (data["state"], data["done"]) == ("done", True) and "capability-table" in data["html"]

    provider.refresh_from_db()
    change = client.get(reverse("admin:providers_provider_change", args=[provider.pk])).content.decode()
    assert "Measured capabilities" in change and '<td class="mark yes">✔</td>' in change
    assert provider.profile["measured_at"] in change
    assert f'href="{probe_url(provider)}">Probe this provider…</a>' in change


def test_one_provider_at_a_time(client, root, sim):
    first, second = profile_provider(sim, "openai"), profile_provider(sim, "relay")
    client.force_login(root)

    selected = {"action": "probe_provider", "_selected_action": [first.pk, second.pk]}
    response = client.post(reverse("admin:providers_provider_changelist"), selected, follow=True)

    assert "Select exactly one provider to probe." in response.content.decode()
    assert not ProbeRun.objects.exists()


def test_a_second_probe_waits_for_the_first(client, root, sim, upstream):
    provider = profile_provider(sim, "openai")
    running = ProbeRun.objects.create(provider=provider, requested_by=root, state="running", allow_spend=1)
    client.force_login(root)

    page = client.get(probe_url(provider)).content.decode()
    response = client.post(probe_url(provider), {"create_budget": "1", "allow_spend": "1"})

    assert "already running" in page
    assert reverse("admin:providers_provider_probe_run", args=[provider.pk, running.public_id]) in page
    assert response.status_code == 200
    assert f"A probe of {provider.name} is already queued or running." in response.content.decode()
    assert ProbeRun.objects.count() == 1 and upstream.jobs == []


def test_bad_limits_are_refused_by_the_form(client, root, sim, upstream):
    provider = profile_provider(sim, "openai")
    client.force_login(root)

    response = client.post(probe_url(provider), {"create_budget": "11", "allow_spend": "-1"})

    text = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 10." in text
    assert "Ensure this value is greater than or equal to 0." in text
    assert not ProbeRun.objects.exists() and upstream.jobs == []


def test_no_create_from_the_admin(client, root, sim, upstream):
    provider = profile_provider(sim, "vllm-omni")
    client.force_login(root)

    client.post(probe_url(provider), {"create_budget": "3", "allow_spend": "5", "no_create": "on"})

    run = ProbeRun.objects.get()
    assert (run.state, run.create_budget) == ("done", 0)
    assert upstream.jobs == []


def test_staff_who_are_not_superusers_neither_see_nor_run_it(client, clerk, root, sim, upstream):
    provider = profile_provider(sim, "openai")
    run = ProbeRun.objects.create(provider=provider, requested_by=root, state="done", allow_spend=1)
    client.force_login(clerk)

    changelist = client.get(reverse("admin:providers_provider_changelist")).content.decode()
    change = client.get(reverse("admin:providers_provider_change", args=[provider.pk])).content.decode()
    urls = [probe_url(provider), reverse("admin:providers_provider_probe_run", args=[provider.pk, run.public_id]),
            reverse("admin:providers_provider_probe_status", args=[provider.pk, run.public_id])]  # fmt: skip

    assert provider.name in changelist and "probe_provider" not in changelist
    assert "Measured capabilities" not in change and "Probe this provider" not in change
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    assert client.post(urls[0], {"create_budget": "1", "allow_spend": "1"}).status_code == 403
    assert ProbeRun.objects.count() == 1 and upstream.jobs == []


def test_the_task_checks_again_who_asked(sim, clerk, upstream):
    """A run whose asker is no superuser (any more) fails without a single request; running the task again does
    nothing (a run is claimed once)."""
    provider = profile_provider(sim, "openai")
    ProbeRun.objects.create(provider=provider, requested_by=clerk, allow_spend=5)

    tasks.probe_provider(provider.pk)
    tasks.probe_provider(provider.pk)

    run = ProbeRun.objects.get()
    assert run.state == "failed"
    assert run.error == "Only superusers may probe or change a provider: it uses the provider's key, decides where members' prompts go, and may spend money."
    assert upstream.jobs == [] and run.progress == []
    provider.refresh_from_db()
    assert provider.profile == {}


def test_a_probe_that_cannot_measure_fails_its_run_with_the_reason(client, root, sim, monkeypatch):
    provider = profile_provider(sim, "openai")
    monkeypatch.delenv("PROVIDER_PROBE_KEY")
    client.force_login(root)

    client.post(probe_url(provider), {"create_budget": "1", "allow_spend": "1"})

    run = ProbeRun.objects.get()
    assert run.state == "failed"
    assert run.error == (f"The provider {provider.name} needs its key in the environment variable PROVIDER_PROBE_KEY, "
                         "which is empty on this server.")  # fmt: skip
    page = client.get(reverse("admin:providers_provider_probe_run", args=[provider.pk, run.public_id]))
    assert run.error in page.content.decode()
