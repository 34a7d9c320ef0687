"""Fair scheduling: a site-wide cap, round-robin by user, each user's own cap from the quota rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quotas import selectors as quota_selectors
from tests.quotas.conftest import rule, submit
from videos import scheduling, tasks
from videos.models import Video

Status = Video.Status


def start(ids):
    Video.objects.filter(id__in=ids).update(status=Status.QUEUED, submitted_at=timezone.now())


def finish_one(user):
    video = Video.objects.filter(owner=user, status=Status.QUEUED).order_by("id").first()
    Video.objects.filter(id=video.id).update(status=Status.COMPLETED)


def free_slots(cap: int) -> int:
    return cap - Video.objects.filter(status__in=Video.IN_FLIGHT).count()


@pytest.mark.django_db
def test_a_single_video_gets_the_next_free_slot_after_a_batch_of_twenty(alice, bob, project):
    a_jobs = [submit(alice, project, prompt=f"a{i}") for i in range(20)]
    b_job = submit(bob, project, prompt="b")
    start(scheduling.pick_fairly(free_slots=free_slots(2)))
    assert set(Video.objects.filter(status=Status.QUEUED).values_list("owner_id", flat=True)) == {alice.id, bob.id}
    # the first two slots went one to each: now, with alice's batch still waiting, finish hers and see the slot go on
    finish_one(alice)
    picked = scheduling.pick_fairly(free_slots=free_slots(2))
    assert len(picked) == 1
    assert Video.objects.get(id=picked[0]).owner == alice  # bob has nothing else waiting
    assert b_job.id not in picked and Video.objects.get(id=b_job.id).status == Status.QUEUED
    assert Video.objects.get(id=a_jobs[0].id).status == Status.COMPLETED


@pytest.mark.django_db
def test_bob_arriving_late_goes_before_alices_queue(alice, bob, project):
    for i in range(20):
        submit(alice, project, prompt=f"a{i}")
    start(scheduling.pick_fairly(free_slots=free_slots(2)))  # alice fills both slots
    assert Video.objects.filter(owner=alice, status=Status.QUEUED).count() == 2
    b_job = submit(bob, project, prompt="b")
    assert scheduling.pick_fairly(free_slots=free_slots(2)) == []  # full
    finish_one(alice)
    assert scheduling.pick_fairly(free_slots=free_slots(2)) == [b_job.id]  # the next free slot is bob's


@pytest.mark.django_db
def test_round_robin_between_waiting_users(alice, bob, charlie, project):
    from accounts.models import Membership

    Membership.objects.create(user=charlie, project=project, role="editor")
    for i in range(5):
        submit(alice, project, prompt=f"a{i}")
    for i in range(3):
        submit(bob, project, prompt=f"b{i}")
    submit(charlie, project, prompt="c")
    picked = scheduling.pick_fairly(free_slots=5)
    owners = [Video.objects.get(id=i).owner.username for i in picked]
    assert sorted(owners[:3]) == ["alice", "bob", "charlie"]
    assert sorted(owners[3:]) == ["alice", "bob"]


@pytest.mark.django_db
def test_a_users_own_cap_leaves_slots_for_others(alice, bob, project):
    rule(user=alice, max_in_flight=1)
    for i in range(5):
        submit(alice, project, prompt=f"a{i}")
    submit(bob, project, prompt="b")
    picked = scheduling.pick_fairly(free_slots=4, user_cap=quota_selectors.max_in_flight)
    owners = sorted(Video.objects.get(id=i).owner.username for i in picked)
    assert owners == ["alice", "bob"]
    start(picked)
    assert scheduling.pick_fairly(free_slots=4, user_cap=quota_selectors.max_in_flight) == []


@pytest.mark.django_db
def test_videos_backing_off_wait(alice, project):
    video = submit(alice, project)
    Video.objects.filter(id=video.id).update(retry_at=timezone.now() + timedelta(seconds=60))
    assert scheduling.pick_fairly(free_slots=2) == []
    assert scheduling.pick_fairly(free_slots=2, now=timezone.now() + timedelta(seconds=61)) == [video.id]


@pytest.mark.django_db
def test_no_free_slots_picks_nothing(alice, project):
    submit(alice, project)
    assert scheduling.pick_fairly(free_slots=0) == []
    assert scheduling.pick_fairly(free_slots=-3) == []


@pytest.mark.django_db
def test_dispatch_respects_the_site_cap(alice, bob, project, settings, monkeypatch):
    settings.SORA_MAX_IN_FLIGHT = 2
    for i in range(20):
        submit(alice, project, prompt=f"a{i}")
    b_job = submit(bob, project, prompt="b")
    started = []
    monkeypatch.setattr(tasks, "enqueue_start", lambda video_id, token: started.append(video_id))
    monkeypatch.setattr(tasks, "enqueue_tick", lambda: None)

    assert tasks.dispatch() == 2
    assert tasks.dispatch() == 0  # the two claimed fill the cap: a second dispatcher finds no slot
    assert b_job.id in started and len(started) == 2
    assert Video.objects.filter(status=Status.PENDING).count() == 19
    assert Video.objects.get(id=started[0]).get_status_display() == "Submitting"
    assert Video.objects.filter(status=Status.PENDING).first().get_status_display() == "Waiting for a slot"


@pytest.mark.django_db
def test_each_owners_cap_is_asked_once_per_project_not_once_per_video(alice, project):
    for i in range(10):
        submit(alice, project, prompt=f"a{i}")
    asked = []

    def cap(video):
        asked.append(video.id)
        return 3

    assert len(scheduling.pick_fairly(free_slots=10, user_cap=cap)) == 3
    assert len(asked) == 1
