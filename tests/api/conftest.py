"""The Team API's fixtures: tokens for the cast, a client speaking with one, the pipeline as workers run it."""

from __future__ import annotations

import threading

import pytest
from django.test import Client


def make_token(user, project=None, *, read_only: bool = False, expires_days: int | None = None, name: str = "test"):
    """A token of `user` (for `project`, default their personal project): (row, the token string)."""
    from accounts.actors import Actor
    from api import services

    return services.token_create(actor=Actor.system("test"), user=user, project=project, name=name,
                                 read_only=read_only, expires_days=expires_days)  # fmt: skip


class ApiClient:
    """Django's test client with a bearer token on every request (no session, no cookies)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, data=None, **extra):
        return self.client.get(path, data, headers={**self.headers, **extra.pop("headers", {})}, **extra)

    def post(self, path: str, data=None, *, json_body=None, **extra):
        import json

        headers = {**self.headers, **extra.pop("headers", {})}
        if json_body is not None:
            return self.client.post(path, json.dumps(json_body), content_type="application/json", headers=headers, **extra)
        return self.client.post(path, data or {}, headers=headers, **extra)

    def delete(self, path: str, **extra):
        return self.client.delete(path, headers={**self.headers, **extra.pop("headers", {})}, **extra)


@pytest.fixture
def api_for():
    """api_for(user, project=None, read_only=False) -> an ApiClient with a fresh token of that user."""

    def make(user, project=None, **kwargs):
        row, token = make_token(user, project, **kwargs)
        client = ApiClient(token)
        client.row, client.token = row, token
        return client

    return make


@pytest.fixture
def workers(queue):
    """The studio's workers, as a thread running the recorded queue's pipeline steps (start, poll, archive) until the
    test ends: the /v1 requests return at once and the SDK polls while the job renders, as in production."""
    from django.db import connection

    from videos import services
    from videos.models import Video

    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while not stop.is_set():
                for video_id, token in services.jobs_claim_startable():
                    services.video_start(video_id=video_id, token=token)
                for video_id in Video.objects.filter(status__in=Video.RENDERING).values_list("id", flat=True):
                    services.video_poll(video_id=video_id)
                for video_id in Video.objects.filter(status=Video.Status.ARCHIVING).values_list("id", flat=True):
                    services.video_archive(video_id=video_id)
                stop.wait(0.05)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-workers", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(30)
    assert not errors, errors
