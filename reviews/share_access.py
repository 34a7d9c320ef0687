"""Who may act on a guest link (issue #15, part 3): the project's rules (accounts/access.py) applied to its links.
An outsider gets 404, a member whose role is too weak 403. (Guests never come here: their token is their access.)"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.http import Http404

from accounts.access import Role, membership_for, require_role
from reviews.models import GuestLink

if TYPE_CHECKING:
    from accounts.models import User


def guest_link_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> GuestLink:
    """The link with this public id, if `user` has at least `role` in its project; the membership is attached to
    the link's project (`link.project.membership`)."""
    link = (
        GuestLink.objects.select_related("project", "video", "cut").filter(public_id=public_id).first()
        if user.is_authenticated
        else None
    )
    if link is None:
        raise Http404("No such guest link.")
    link.project.membership = require_role(membership_for(user, link.project), role)
    return link
