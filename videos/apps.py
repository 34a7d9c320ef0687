from __future__ import annotations

from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_start_clock_watchdog, dispatch_uid="videos.clock_watchdog")


_watching_in: int | None = None  # the process whose watchdog runs (a forked child starts its own)


def _start_clock_watchdog(sender, proc_name: str, **kwargs) -> None:
    """Each django-q2 worker process watches the clock (videos.tasks.watch_clock) for as long as it lives. Not in
    django-q2's sync mode (unit tests), which runs each task through a worker in the calling process."""
    import os
    import threading

    from django_q.conf import Conf

    from videos.tasks import watch_clock

    global _watching_in
    if Conf.SYNC or _watching_in == os.getpid():
        return
    _watching_in = os.getpid()
    threading.Thread(target=watch_clock, args=(threading.Event(),), name="clock-watchdog", daemon=True).start()
