"""The job lifecycle (videos/lifecycle.py): the only writer of a job's state, with a transition table, conditional
updates, separate lease and retry times, and an event on commit for every transition."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest
from django.db import connections, transaction

from accounts.actors import SYSTEM, Actor
from tests.conftest import sim_client, start
from videos import lifecycle, services
from videos.models import Video

Status = Video.Status
ROOT = Path(__file__).resolve().parents[3]
# A job's state: only videos/lifecycle.py may write these columns of videos.Video.
STATE_FIELDS = {"status", "upstream_id", "upstream_key", "lease_token", "lease_until", "retry_at", "next_poll_at",
                "progress", "error_code", "error_message", "deleted_at", "attempts", "outcome_unknown_since"}  # fmt: skip


def test_only_the_lifecycle_module_writes_a_jobs_state():
    """Every `.update(...)` in the studio's code that sets a state column is in videos/lifecycle.py. (An update made
    through another model's manager, `FinalCut.objects....update(status=...)`, writes that model's own columns.)"""
    from django.apps import apps

    other_models = {m.__name__ for m in apps.get_models()} - {"Video"}
    writers = set()
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("tests/", ".venv", "videos/sora/simulator/")) or "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
                if STATE_FIELDS & {kw.arg for kw in node.keywords} and _receiver(node) not in other_models:
                    writers.add(rel)
    assert writers == {"videos/lifecycle.py"}


def _receiver(call: ast.Call) -> str:
    """The name a call chain starts from: `Video` in `Video.objects.filter(...).update(...)`, `qs` in `qs.update()`."""
    node = call.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


@pytest.mark.django_db
def test_a_transition_outside_the_table_or_by_the_wrong_actor_is_refused(alice, project, make_video):
    video = make_video(project, alice, status=Status.COMPLETED)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(video, Status.QUEUED, from_=[Status.COMPLETED])
    with pytest.raises(lifecycle.TransitionNotAllowed):  # a member cannot push a job along the pipeline
        lifecycle.transition(video, Status.ARCHIVING, actor=Actor.of_user(alice), from_=[Status.IN_PROGRESS])


@pytest.mark.django_db
def test_a_transition_is_conditional_on_the_rows_state_not_the_copy_in_memory(alice, project, make_video):
    video = make_video(project, alice, status=Status.IN_PROGRESS, upstream_id="video_1")
    stale = Video.objects.get(id=video.id)
    assert lifecycle.fail(video, code="x", message="gone")
    assert not lifecycle.upstream_finished(stale, completed_at=video.created_at, expires_at=None)
    assert Video.objects.get(id=video.id).status == Status.FAILED


@pytest.mark.django_db
def test_every_transition_sends_an_event_once_committed(alice, project, make_video, django_capture_on_commit_callbacks):
    video = make_video(project, alice, status=Status.PENDING)
    seen = []

    def listen(sender, **event):
        seen.append((event["old"], event["new"], event["actor"].kind, event["public_id"]))

    lifecycle.job_transition.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                assert lifecycle.claim_start(video, lifecycle.new_token())
                assert seen == []  # not before the transaction commits
            with transaction.atomic():
                lifecycle.fail(video, code="x", message="rolled back")
                transaction.set_rollback(True)
    finally:
        lifecycle.job_transition.disconnect(listen)
    assert seen == [(Status.PENDING, Status.SUBMITTING, "system", video.public_id)]


@pytest.mark.django_db
def test_a_retry_waits_for_its_time_and_a_lease_is_not_a_retry_time(alice, project, make_video):
    from datetime import timedelta

    from django.utils import timezone

    video = make_video(project, alice, status=Status.PENDING)
    token = lifecycle.new_token()
    assert lifecycle.claim_start(video, token)
    assert lifecycle.retry_later(video, token, after=timedelta(minutes=1), reason="429")
    video.refresh_from_db()
    assert (video.status, video.lease_until, video.lease_token) == (Status.PENDING, None, "")
    assert video.retry_at > timezone.now()
    assert not lifecycle.claim_start(video, lifecycle.new_token())
    assert lifecycle.claim_start(video, lifecycle.new_token(), now=timezone.now() + timedelta(minutes=2))


# ---------------------------------------------------------------------------------------------------------------
# Delete versus dispatch: a job claimed by one can never be taken by the other
# ---------------------------------------------------------------------------------------------------------------
def _submit(alice, project, prompt="A heron over a lake"):
    return services.video_submit(actor=Actor.of_user(alice), project=project, prompt=prompt, model="sora-2",
                                 size="720x1280", seconds=4)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_delete_of_a_video_the_dispatcher_just_started_is_refused(queue, alice, project):
    """The page showed "waiting" (and a Delete button); the dispatcher starts the job before the click lands."""
    video = _submit(alice, project)
    seen_by_the_page = Video.objects.get(id=video.id)
    start(video)

    with pytest.raises(Exception, match="still being made"):
        services.video_delete(actor=Actor.of_user(alice), video=seen_by_the_page)

    video.refresh_from_db()
    assert video.deleted_at is None and video.upstream_id
    assert [job.id for job in sim_client().list()] == [video.upstream_id]  # the paid job is still ours


@pytest.mark.django_db(transaction=True)
def test_a_video_claimed_for_deletion_is_never_started(queue, alice, project):
    video = _submit(alice, project)
    assert lifecycle.begin_delete(Video.objects.get(id=video.id), Actor.of_user(alice))

    assert services.jobs_claim_startable() == []
    assert list(sim_client().list()) == []


@pytest.mark.django_db(transaction=True)
def test_racing_deletes_and_dispatches_never_orphan_a_job(queue, alice, project):
    """Many rounds of a delete and a dispatch at the same moment, each in its own thread and connection: every
    upstream job belongs to a video that still exists, and every deleted video has none."""
    videos = [_submit(alice, project, prompt=f"shot {i}") for i in range(12)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def dispatch(delay):
        try:
            barrier.wait(timeout=30)
            time.sleep(delay)
            for video_id, token in services.jobs_claim_startable(actor=SYSTEM):
                services.video_start(video_id=video_id, token=token)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def delete(video, delay):
        try:
            barrier.wait(timeout=30)
            time.sleep(delay)
            services.video_delete(actor=Actor.of_user(alice), video=video)
        except Exception as exc:  # a refusal ("still being made") is a fine outcome
            if "still being made" not in str(exc):
                errors.append(exc)
        finally:
            connections.close_all()

    # Some rounds give one side a head start, so both outcomes happen; the rest start both at the same moment.
    delays = [(0.05, 0.0), (0.0, 0.05), (0.0, 0.0)]
    for i, video in enumerate(videos):
        stale = Video.objects.get(id=video.id)
        first, second = delays[i % 3]
        threads = [threading.Thread(target=dispatch, args=(first,)), threading.Thread(target=delete, args=(stale, second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        barrier.reset()
    assert errors == []
    upstream = {job.id for job in sim_client().list()}
    alive = set(Video.objects.filter(upstream_id__isnull=False).values_list("upstream_id", flat=True))
    assert upstream == alive  # no job upstream without its video here
    gone = {v.id for v in videos} - set(Video.objects.values_list("id", flat=True))
    assert gone and alive  # both outcomes happened, so the race was real
