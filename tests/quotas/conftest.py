"""Helpers for the quota tests: submissions go through the real service, but nothing is sent upstream."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.actors import Actor


@pytest.fixture(autouse=True)
def no_upstream(monkeypatch):
    """Submitting enqueues the dispatcher on commit; here it must not start anything upstream."""
    from videos import tasks

    calls = []
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: calls.append("dispatch"))
    return calls


def submit(
    user, project, *, model: str = "sora-2", size: str = "720x1280", seconds: int = 8, prompt: str = "A red fox"
):
    from videos import services

    return services.video_submit(actor=Actor.of_user(user), project=project, prompt=prompt, model=model, size=size, seconds=seconds)


def rule(**kwargs):
    from quotas.models import QuotaRule

    kwargs.setdefault("period", "month")
    for key in ("max_spend",):
        if key in kwargs and kwargs[key] is not None:
            kwargs[key] = Decimal(str(kwargs[key]))
    r = QuotaRule(**kwargs)
    r.full_clean()
    r.save()
    return r
