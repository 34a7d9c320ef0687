"""Reads of guest links (issue #15, part 3), for the video and cut pages' list of links."""

from __future__ import annotations

from django.db.models import QuerySet

from reviews.models import GuestLink


def links_of(*, video=None, cut=None) -> QuerySet[GuestLink]:
    """The links to one video or one final cut, newest first, with their makers (one query)."""
    links = GuestLink.objects.select_related("created_by", "revoked_by")
    if video is not None:
        return links.filter(video=video, project=video.project_id)
    return links.filter(cut=cut)
