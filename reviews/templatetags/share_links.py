"""The guest links panel of a video's or a cut's page (issue #15, part 3): `{% guest_links_of video %}` gives the
links to editors and owners (one query), nothing to viewers, so the pages' own views need no change."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.access import Role, can
from reviews import share_selectors
from reviews.share_forms import GuestLinkForm

register = template.Library()


@register.simple_tag
def guest_links_of(target, membership):
    """{"links": [...], "form": GuestLinkForm} for an editor or owner of the target's project; None for a viewer."""
    if not can(membership, Role.EDITOR):
        return None
    if target._meta.model_name == "video":
        links = share_selectors.links_of(video=target)
    else:
        links = share_selectors.links_of(cut=target)
    now = timezone.now()
    links = list(links)
    for link in links:
        link.state = "revoked" if link.is_revoked() else "expired" if link.is_expired(now) else "live"
    return {"links": links, "form": GuestLinkForm()}
