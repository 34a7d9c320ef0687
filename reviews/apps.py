from __future__ import annotations

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Review and share: comments at a timecode, review states, favourites and tags, guest links, notifications and
    the project's outgoing webhooks (issue #15)."""

    name = "reviews"
    verbose_name = "Review and share"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import reviews.notify_receivers  # noqa: F401 - notifications listen to the studio's events
        from reviews import share_logging

        share_logging.install()  # guest links' tokens stay out of Django's request logs
