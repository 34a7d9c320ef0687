"""The provider's API key reaches no page, no log line and no database row: a whole video's life (create, poll,
archive, remix, failure) runs with a recognisable key, then every table, every log record and the pages are
searched for it."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.actors import Actor
from providers.models import Provider, ProviderModel
from tests.conftest import start, wait_for
from videos import services, tasks
from videos.models import Video
from videos.sora.simulator import faults

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "sk-live-Zq7SECRETmarker0042"


def test_the_api_key_never_reaches_a_page_a_log_or_the_database(studio, settings, monkeypatch, caplog, client, alice, project):
    # A "real provider" (the simulator accepts any key and stores only its hash), its key in the environment.
    provider = Provider.objects.create(slug="real", name="Real provider", base_url=f"{studio.url}/sim/v1",
                                       api_key_env="PROVIDER_REAL_KEY")  # fmt: skip
    ProviderModel.objects.create(provider=provider, name="sora-2", prices={"720x1280": "0.10"}, seconds=["4"])
    monkeypatch.setenv("PROVIDER_REAL_KEY", KEY)
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_archive", lambda video_id: None)
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: None)
    caplog.set_level(logging.DEBUG)

    video = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A kite at dawn", model="real:sora-2",
                                  size="720x1280", seconds=4)  # fmt: skip
    faults.inject("status", status=429, retry_after_ms=10, method="POST", path=r"^videos$")  # errors get logged
    start(video)

    def archived():
        services.video_poll(video_id=video.id)
        services.video_archive(video_id=video.id)
        return Video.objects.filter(id=video.id, status=Video.Status.COMPLETED).exists()

    wait_for(archived, timeout=60, interval=0.1, what="the video to be archived")
    bad = services.video_submit(actor=Actor.of_user(alice), project=project, prompt="blocked-content here", model="real:sora-2",
                                size="720x1280", seconds=4)  # fmt: skip
    start(bad)
    wait_for(lambda: services.video_poll(video_id=bad.id).status == Video.Status.FAILED, timeout=60, interval=0.1,
             what="the moderated video to fail")  # fmt: skip

    from videos.sora.simulator.models import SimVideo

    # The jobs really were made with this key (the simulator keeps only its digest)...
    assert set(SimVideo.objects.values_list("key_hash", flat=True)) == {hashlib.sha256(KEY.encode()).hexdigest()}
    # ...and the key itself is nowhere.
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert KEY not in dump.getvalue()
    assert all(KEY not in record.getMessage() for record in caplog.records)
    assert "429" in caplog.text  # the retry was logged, without the key
    client.force_login(alice)
    alice.is_staff = alice.is_superuser = True
    alice.save()
    for url in (
        reverse("videos:gallery"),
        reverse("videos:detail", args=[video.public_id]),
        reverse("videos:detail", args=[bad.public_id]),
        reverse("admin:videos_video_change", args=[video.id]),
        reverse("admin:videos_video_changelist"),
    ):
        page = client.get(url)
        assert page.status_code == 200 and KEY not in page.content.decode(), url
