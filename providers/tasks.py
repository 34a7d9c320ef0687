"""django-q2 tasks of providers: a thin interface (dotted path and a provider id; never a key in the queue)."""

from __future__ import annotations

from django_q.tasks import async_task

from providers import services


def enqueue_probe(provider_id: int) -> None:
    # The probe follows real jobs for minutes: its own timeout, longer than the cluster's. With the ORM broker the
    # message may be handed out again after Q_CLUSTER["retry"]; that second run finds no queued probe and ends.
    async_task(
        "providers.tasks.probe_provider",
        provider_id,
        task_name=f"probe provider {provider_id}",
        group="probe",
        timeout=services.TASK_TIMEOUT_SECONDS,
    )


def probe_provider(provider_id: int) -> None:
    services.probe_run_execute(provider_id=provider_id)
