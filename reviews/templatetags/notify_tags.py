"""The bell in the header: `{% notify_bell %}` (one COUNT on the unread partial index, only for a signed-in user)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.db import DatabaseError

register = template.Library()


@register.inclusion_tag("reviews/notify_bell.html", takes_context=True)
def notify_bell(context) -> dict:
    from reviews.notify_services import unread_count

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    try:
        unread = unread_count(user)
    except DatabaseError:  # an error page drawn after a failed query: the bell without its count, not a second error
        unread = 0
    return {"show": True, "unread": unread, "poll_seconds": settings.NOTIFY_POLL_SECONDS}
