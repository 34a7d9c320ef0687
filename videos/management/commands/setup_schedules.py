from __future__ import annotations

from django.core.management.base import BaseCommand
from django_q.models import Schedule


class Command(BaseCommand):
    help = "Create (or update) the studio's django-q2 schedules. Idempotent."

    def handle(self, *args, **options) -> None:
        Schedule.objects.update_or_create(
            name="follow videos",
            defaults={
                "func": "videos.tasks.follow_videos",
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
            },
        )
        self.stdout.write("Schedule “follow videos” runs every minute (the webhook finishes jobs earlier).")
