"""setup_schedules installs the clock's schedule once, however often it runs, pointing at a task that exists, and
replaces the schedule earlier versions installed."""

from __future__ import annotations

from django.core.management import call_command
from django.utils.module_loading import import_string
from django_q.models import Schedule


def test_it_installs_one_minute_schedule_idempotently(db):
    Schedule.objects.create(name="follow videos", func="videos.tasks.follow_videos", schedule_type=Schedule.MINUTES)
    call_command("setup_schedules")
    call_command("setup_schedules")

    # the clock, the audit log's daily prune (tests/audit/test_retention.py), notifications (tests/reviews/notify/)
    assert Schedule.objects.count() == 3
    schedule = Schedule.objects.get(name="studio clock")
    assert (schedule.name, schedule.func) == ("studio clock", "videos.tasks.tick")
    assert callable(import_string(schedule.func))  # django-q2 imports it by this path every minute
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1
