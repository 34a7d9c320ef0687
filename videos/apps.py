from __future__ import annotations

from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_start_clock_watchdog, dispatch_uid="videos.clock_watchdog")


def _start_clock_watchdog(sender, proc_name: str, **kwargs) -> None:
    """Each django-q2 worker process watches the clock (videos.tasks.watch_clock) for as long as it lives."""
    import threading

    from videos.tasks import watch_clock

    threading.Thread(target=watch_clock, args=(threading.Event(),), name="clock-watchdog", daemon=True).start()
