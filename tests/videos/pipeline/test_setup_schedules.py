"""setup_schedules installs the poller's schedule once, however often it runs."""

from __future__ import annotations

from django.core.management import call_command
from django_q.models import Schedule


def test_it_installs_one_minute_schedule_idempotently(db):
    call_command("setup_schedules")
    call_command("setup_schedules")

    schedule = Schedule.objects.get()
    assert (schedule.name, schedule.func) == ("follow videos", "videos.tasks.follow_videos")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1
