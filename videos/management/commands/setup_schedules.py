from __future__ import annotations

from django.core.management.base import BaseCommand
from django_q.models import Schedule

NAME = "studio clock"
# Earlier installations scheduled the poller under this name (videos.tasks.follow_videos, now gone).
OLD_NAMES = ("follow videos",)


class Command(BaseCommand):
    help = "Create (or update) the studio's django-q2 schedules. Idempotent."

    def handle(self, *args, **options) -> None:
        Schedule.objects.filter(name__in=OLD_NAMES).delete()
        Schedule.objects.update_or_create(
            name=NAME,
            defaults={
                "func": "videos.tasks.tick",
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
            },
        )
        self.stdout.write(
            f"Schedule “{NAME}” runs every minute: it hands out polls and reconciles (webhooks finish jobs earlier)."
        )
