"""Who may see and act on a video: the project's rules (accounts/access.py) applied to videos.

Views fetch videos only through these functions: an outsider gets 404, a member whose role is too weak gets 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.http import Http404

from accounts.access import Role, membership_for, require_role
from videos.models import Video

if TYPE_CHECKING:
    from accounts.models import User


def video_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Video:
    """The video with this public id, if `user` may act on its project with at least `role` (404/403 otherwise).

    The returned video carries the caller's membership as `video.membership` (and `video.project.membership`).
    """
    video = (
        Video.objects.select_related("project", "owner", "remixed_from", "provider")
        .filter(public_id=public_id, deleted_at__isnull=True)
        .first()
        if user.is_authenticated
        else None
    )
    if video is None:
        raise Http404("No such video.")
    video.membership = video.project.membership = require_role(membership_for(user, video.project), role)
    return video


def video_file_for(user: User, public_id: UUID | str) -> Video:
    """The video whose archived files `user` may download: a project member's, or any for staff who may view videos
    in the admin (the operators' console shows thumbnails of every video)."""
    if user.is_authenticated and user.is_staff and user.has_perm("videos.view_video"):
        video = Video.objects.filter(public_id=public_id).first()
        if video is None:
            raise Http404("No such video.")
        return video
    return video_for(user, public_id)
