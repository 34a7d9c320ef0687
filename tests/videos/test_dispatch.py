"""The dispatcher: one at a time (a database lease), and no lost wake-up: a video submitted just as a dispatcher
finds nothing more to start is still started, although the dispatch its submit asked for was turned away by the
lease."""

from __future__ import annotations

import pytest
from django.utils import timezone

from videos import scheduling, services, tasks
from videos.models import Video

Status = Video.Status


def _submit(user, project, prompt):
    return services.video_submit(project=project, user=user, prompt=prompt, model="sora-2", size="720x1280", seconds=4)


@pytest.mark.django_db
def test_a_video_submitted_as_the_dispatcher_finishes_is_not_left_waiting(alice, project, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_follow", lambda: None)
    first = _submit(alice, project, "first")
    started, turned_away = [], []

    def start(*, video_id, now=None):
        Video.objects.filter(id=video_id).update(status=Status.QUEUED, submitted_at=timezone.now())
        started.append(video_id)
        return Video.objects.get(id=video_id)

    real_pick = scheduling.pick_fairly

    def pick(**kwargs):
        ids = real_pick(**kwargs)
        if not ids and not turned_away:
            # Right after the holder found nothing to start, someone submits; their dispatch finds the lease taken.
            late = _submit(alice, project, "late")
            turned_away.append((late.id, tasks.dispatch_videos()))
        return ids

    monkeypatch.setattr(tasks.services, "video_start", start)
    monkeypatch.setattr(tasks.scheduling, "pick_fairly", pick)

    assert tasks.dispatch_videos() == 2

    late_id, late_dispatch_started = turned_away[0]
    assert late_dispatch_started == 0
    assert started == [first.id, late_id]
