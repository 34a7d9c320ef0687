"""Reads of guest links (issue #15, part 3), for the video and cut pages' list of links."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import Role, can
from reviews.models import GuestLink
from reviews.share_forms import GuestLinkForm


def links_of(*, video=None, cut=None) -> QuerySet[GuestLink]:
    """The links to one video or one final cut, newest first, with their makers (one query)."""
    links = GuestLink.objects.select_related("created_by", "revoked_by")
    if video is not None:
        return links.filter(video=video)
    return links.filter(cut=cut)


def share_context(membership, *, video=None, cut=None) -> dict:
    """The video or cut page's guest links panel: {"share": {"links", "form"}} for an editor or owner of its
    project (one query), {"share": None} for a viewer."""
    if not can(membership, Role.EDITOR):
        return {"share": None}
    now = timezone.now()
    links = list(links_of(video=video, cut=cut))
    for link in links:
        link.state_now = link.state(now)
    return {"share": {"links": links, "form": GuestLinkForm()}}
