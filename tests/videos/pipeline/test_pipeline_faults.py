"""Faults lose no data and no job: the pipeline's services against the simulator over real HTTP, with the
simulator's deterministic fault queue (429, 500, slow answers, cut-off downloads, failed jobs, a worker that died
between creating a job and recording it). Every task is safe to run twice; a submit never makes two upstream jobs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from tests.conftest import sim_client, start, wait_for
from videos import lifecycle, services, tasks
from videos.models import Video
from videos.sora.simulator import faults

pytestmark = pytest.mark.django_db(transaction=True)
Status = Video.Status


def _submit(alice, project, prompt="A lighthouse in a storm, wide shot") -> Video:
    return services.video_submit(actor=Actor.of_user(alice), project=project, prompt=prompt, model="sora-2", size="720x1280", seconds=4)


def _upstream_jobs() -> list:
    return list(sim_client().list(limit=100))


def _follow_to_the_end(video: Video) -> Video:
    def done():
        services.video_poll(video_id=video.id)
        v = Video.objects.get(id=video.id)
        return v if v.status not in (Status.QUEUED, Status.IN_PROGRESS) else None

    video = wait_for(done, timeout=60, interval=0.1, what="the upstream job to finish")
    if video.status == Status.ARCHIVING:
        services.video_archive(video_id=video.id)
        video.refresh_from_db()
    return video


def test_a_clean_run_archives_and_running_each_step_twice_changes_nothing(queue, alice, project):
    video = _submit(alice, project)
    token = lifecycle.new_token()
    assert lifecycle.claim_start(video, token)

    assert services.video_start(video_id=video.id, token=token).upstream_id
    assert services.video_start(video_id=video.id, token=token) is None  # the same start task again: nothing
    assert not lifecycle.claim_start(video, lifecycle.new_token())  # and no second claim
    video = _follow_to_the_end(video)
    checksum = video.asset_map["video"].sha256
    assert services.video_archive(video_id=video.id) is None  # nothing left to do

    video.refresh_from_db()
    assert video.status == Status.COMPLETED and video.asset_map["video"].sha256 == checksum
    assert len(_upstream_jobs()) == 1


def test_a_create_answered_500_is_not_re_posted_blindly_and_is_retried_after_a_pause(queue, alice, project):
    video = _submit(alice, project)
    faults.inject("status", status=500, method="POST", path=r"^videos$")

    start(video)

    video.refresh_from_db()
    assert video.status == Status.PENDING and video.upstream_id is None
    assert video.retry_at > timezone.now() and video.lease_until is None  # a pause before the next try
    assert not services.jobs_claim_startable()  # not before its time
    assert _upstream_jobs() == []
    Video.objects.filter(id=video.id).update(retry_at=timezone.now() - timedelta(seconds=1))
    [(video_id, token)] = services.jobs_claim_startable()
    services.video_start(video_id=video_id, token=token)
    assert _follow_to_the_end(video).status == Status.COMPLETED
    assert len(_upstream_jobs()) == 1


def test_a_create_that_timed_out_is_adopted_not_created_again(queue, alice, project, settings):
    settings.SORA_TIMEOUT_READ = 0.5
    video = _submit(alice, project)
    faults.inject("delay", delay_seconds=1.5, method="POST", path=r"^videos$")

    start(video)

    video.refresh_from_db()
    assert video.status == Status.SUBMITTING and video.upstream_id is None  # unknown: wait, then look
    wait_for(lambda: len(_upstream_jobs()) == 1, timeout=10, what="the slow create to land upstream")
    Video.objects.filter(id=video.id).update(lease_until=timezone.now() - timedelta(seconds=1))  # lease ran out
    queue.clear()
    tasks.reconcile()
    [(_, video_id)] = [call for call in queue if call[0] == "start"]
    tasks.start_video(video_id, Video.objects.get(id=video_id).lease_token)

    video.refresh_from_db()
    assert video.upstream_id == _upstream_jobs()[0].id
    assert _follow_to_the_end(video).status == Status.COMPLETED
    assert len(_upstream_jobs()) == 1


def test_a_worker_that_died_after_creating_upstream_leaves_no_duplicate(queue, alice, project):
    video = _submit(alice, project)
    remote = sim_client().create(prompt=video.prompt, model=video.model, size=video.size, seconds="4")
    # The worker made the job, then died before recording its id: the row is left mid-start with a stale lease.
    Video.objects.filter(id=video.id).update(
        status=Status.SUBMITTING, attempts=1, lease_token="dead", lease_until=timezone.now() - timedelta(seconds=1)
    )

    tasks.reconcile()
    video.refresh_from_db()
    assert ("start", video.id) in queue and video.lease_token != "dead"  # taken over under a fresh lease
    tasks.start_video(video.id, video.lease_token)

    video.refresh_from_db()
    assert video.upstream_id == remote.id
    assert [job.id for job in _upstream_jobs()] == [remote.id]


def test_429_on_create_is_waited_out(queue, alice, project):
    video = _submit(alice, project)
    faults.inject("status", status=429, retry_after_ms=50, method="POST", path=r"^videos$", times=2)

    start(video)

    video.refresh_from_db()
    assert video.upstream_id and video.status in (Status.QUEUED, Status.IN_PROGRESS)
    assert len(_upstream_jobs()) == 1


def test_a_failing_poll_keeps_the_job_and_tries_again_later(queue, alice, project, settings):
    settings.SORA_MAX_RETRIES = 0
    video = _submit(alice, project)
    start(video)
    faults.inject("status", status=500, method="GET", path=r"^videos/video_[0-9a-f]+$")

    services.video_poll(video_id=video.id)

    video.refresh_from_db()
    assert video.status in (Status.QUEUED, Status.IN_PROGRESS) and video.next_poll_at > timezone.now()
    assert _follow_to_the_end(video).status == Status.COMPLETED


def test_a_cut_off_download_is_resumed_in_the_same_task_and_the_archive_is_whole(queue, alice, project, settings):
    """The connection breaks mid-file (twice): the archive task asks for the rest with a range and finishes in one
    run, its checksum the upstream's; no wait for the reconciler."""
    settings.SORA_MAX_RETRIES = 0
    video = _submit(alice, project)
    start(video)
    faults.inject("cutoff", path=r"/content$", times=2)

    def archiving():
        services.video_poll(video_id=video.id)
        return Video.objects.filter(id=video.id, status=Status.ARCHIVING).exists()

    wait_for(archiving, timeout=60, interval=0.1, what="completion upstream")
    services.video_archive(video_id=video.id)

    video.refresh_from_db()
    assert video.status == Status.COMPLETED and faults.pending() == 0
    assert sim_client().download(video.upstream_id, io.BytesIO()).sha256 == video.asset_map["video"].sha256


def test_a_download_that_keeps_breaking_is_retried_later_and_nothing_half_is_kept(queue, alice, project, settings):
    settings.SORA_MAX_RETRIES = 0
    video = _submit(alice, project)
    start(video)
    faults.inject("cutoff", path=r"/content$", times=10)

    def archiving():
        services.video_poll(video_id=video.id)
        return Video.objects.filter(id=video.id, status=Status.ARCHIVING).exists()

    wait_for(archiving, timeout=60, interval=0.1, what="completion upstream")
    services.video_archive(video_id=video.id)
    video.refresh_from_db()
    assert video.status == Status.ARCHIVING and "video" not in video.asset_map  # the cut-off copy was not kept

    faults.clear()
    Video.objects.filter(id=video.id).update(lease_until=timezone.now() - timedelta(seconds=1))
    services.video_archive(video_id=video.id)

    video.refresh_from_db()
    assert video.status == Status.COMPLETED
    assert sim_client().download(video.upstream_id, io.BytesIO()).sha256 == video.asset_map["video"].sha256


def test_an_upstream_failure_is_kept_and_shown(queue, alice, project):
    video = _submit(alice, project)
    faults.inject("fail_job", code="internal_error")
    start(video)

    video = _follow_to_the_end(video)

    assert video.status == Status.FAILED
    assert video.error_code == "internal_error" and video.error_message


def test_a_moderated_prompt_fails_with_the_upstream_message(queue, alice, project):
    video = _submit(alice, project, prompt="A scene with blocked-content in it")
    start(video)

    video = _follow_to_the_end(video)

    assert video.status == Status.FAILED and video.error_code == "moderation_blocked"


def test_a_remix_of_a_video_gone_upstream_fails_clearly(queue, alice, project):
    parent = _submit(alice, project)
    start(parent)
    parent = _follow_to_the_end(parent)
    sim_client().delete(parent.upstream_id)
    child = services.video_remix(actor=Actor.of_user(alice), parent=parent, prompts=["Same shot, at night"])[0]

    start(child)

    child.refresh_from_db()
    assert child.status == Status.FAILED and child.upstream_id is None
    assert child.error_message  # the upstream's own words, shown on the video page
    assert _upstream_jobs() == []  # nothing was made for it


def test_delete_removes_ours_and_upstreams(queue, alice, project):
    from django.core.files.storage import default_storage

    from videos.sora.errors import SoraError

    video = _submit(alice, project)
    start(video)
    video = _follow_to_the_end(video)
    names = [video.asset_map[kind].file.name for kind in ("video", "thumbnail", "spritesheet")]
    assert all(default_storage.exists(n) for n in names)

    services.video_delete(actor=Actor.of_user(video.owner), video=video)

    assert not Video.objects.filter(id=video.id).exists()
    assert not any(default_storage.exists(n) for n in names)
    with pytest.raises(SoraError) as gone:
        sim_client().retrieve(video.upstream_id)
    assert gone.value.status == 404


def test_the_reconciler_resumes_what_a_dead_worker_left(queue, alice, project):
    """Redis delivers a task at most once: if the worker dies, the minute schedule's reconciler picks it all up."""
    waiting = _submit(alice, project, prompt="left waiting")
    archiving = _submit(alice, project, prompt="left half-archived")
    start(archiving)
    wait_for(
        lambda: services.video_poll(video_id=archiving.id).status == Status.ARCHIVING, timeout=60, interval=0.1,
        what="completion upstream",
    )  # fmt: skip
    # The archiving worker died holding its lease; the dispatcher's task for `waiting` was lost.
    Video.objects.filter(id=archiving.id).update(lease_until=timezone.now() - timedelta(seconds=1))
    queue.clear()

    tasks.reconcile()

    assert ("archive", archiving.id) in queue and "dispatch" in queue
    services.video_archive(video_id=archiving.id)
    assert Video.objects.get(id=archiving.id).status == Status.COMPLETED
    assert Video.objects.get(id=waiting.id).status == Status.PENDING  # started by the dispatch it asked for
