"""django-q2 tasks: thin. Ids in, one service call, safe to run twice."""

from __future__ import annotations

from django_q.tasks import async_task

from accounts.actors import Actor

TASKS = Actor.system("task")


def enqueue_cut(cut_id: int) -> None:
    async_task("storyboards.tasks.make_cut", cut_id, task_name=f"final cut {cut_id}", group="cut")


def make_cut(cut_id: int) -> None:
    from storyboards import services

    services.cut_make(cut_id=cut_id, actor=TASKS)
