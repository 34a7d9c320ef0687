from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.models import Schedule

NAME = "studio clock"
# Earlier installations scheduled the poller under this name (videos.tasks.follow_videos, now gone).
OLD_NAMES = ("follow videos",)
AUDIT_PRUNE = "audit log retention"
NOTIFY = "notifications and webhooks"


def schedules() -> list[tuple[str, dict, str]]:
    """(name, the Schedule's fields, what it does) of every app's schedule."""
    every_minute = {"schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1}
    return [
        (NAME, {"func": "videos.tasks.tick", **every_minute},
         "runs every minute: it hands out polls and reconciles (webhooks finish jobs earlier)."),
        (AUDIT_PRUNE, {"func": "audit.tasks.prune_audit_log", "schedule_type": Schedule.DAILY, "repeats": -1},
         "runs daily: it removes audit entries older than AUDIT_RETENTION_DAYS "
         f"({settings.AUDIT_RETENTION_DAYS or 'never'})."),
        (NOTIFY, {"func": "reviews.notify_tasks.notify_tick", **every_minute},
         "runs every minute: batched notification mail (at most one per user per "
         f"{settings.NOTIFY_EMAIL_BATCH_MINUTES} min) and webhook retries."),
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Create (or update) the studio's django-q2 schedules. Idempotent."

    def handle(self, *args, **options) -> None:
        Schedule.objects.filter(name__in=OLD_NAMES).delete()
        for name, fields, says in schedules():
            Schedule.objects.update_or_create(name=name, defaults=fields)
            self.stdout.write(f"Schedule “{name}” {says}")
