"""The issue's bar, with the studio's real workers (a django-q2 cluster, Redis when REDIS_URL is set): the openai
SDK with a personal token makes a video that lands in the member's gallery, counts against their quota and
downloads from the studio's archive once the provider's copy is gone."""

from __future__ import annotations

import openai
import pytest
from django.db.models import Q

from api import payloads
from audit.models import Entry
from quotas.models import QuotaRule, QuotaUsage
from tests.api.conftest import make_token
from tests.e2e.conftest import q_cluster  # noqa: F401  (a fixture: a running django-q2 cluster)
from videos import selectors
from videos.models import Video
from videos.sora.simulator.models import SimVideo

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_script_makes_a_video_through_the_studios_workers(q_cluster, alice, project, settings):  # noqa: F811
    settings.API_RATE_LIMIT = 100_000
    rule = QuotaRule.objects.create(user=alice, period=QuotaRule.Period.MONTH, max_videos=5)
    _, token = make_token(alice, project)
    # The `studio` fixture under q_cluster points SITE_URL at the live server.
    client = openai.OpenAI(base_url=settings.SITE_URL + "/v1", api_key=token, max_retries=0)

    video = client.videos.create_and_poll(prompt="A paper lantern rising over a lake at night", size="1280x720")

    assert video.status == "completed", video.error
    row = Video.objects.get(public_id=payloads.public_id_of(video.id))
    assert row.created_via == "token" and row in selectors.gallery(alice, project=project)
    assert QuotaUsage.objects.get(rule=rule, user=alice).videos == 1
    made = Entry.objects.get(action="video.create", target_id=str(row.public_id))  # in the audit log, by the token
    assert (made.actor, made.via, made.outcome, made.project) == (alice, "token", "ok", project)
    assert token.split("_")[1] in made.via_label and token not in str(vars(made))
    SimVideo.objects.filter(Q(id=row.upstream_id) | Q(upstream_id=row.upstream_id)).delete()  # gone upstream
    data = client.videos.download_content(video.id).read()
    assert data[4:8] == b"ftyp" and len(data) == row.asset_map["video"].bytes
    assert Entry.objects.filter(action="video.download", target_id=str(row.public_id), via="token").count() == 1
