"""Who may see and do what: the one place that decides.

An outsider gets 404 for anything in a project they are not in (it does not exist, for them); a member whose
role is too weak for the action gets 403. Views fetch projects and videos only through these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, Project

if TYPE_CHECKING:
    from accounts.models import User

Role = Membership.Role


def membership_for(user: User, project: Project) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, project=project).first()


def require_role(membership: Membership | None, role: str) -> Membership:
    """404 without a membership, 403 with one whose role is weaker than `role`."""
    if membership is None:
        raise Http404("No such project.")
    if not membership.has_role(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role in {membership.project.name}.")
    return membership


def project_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Project:
    """The project with this public id, if `user` is a member with at least `role`.

    The returned project carries the caller's membership as `project.membership`.
    """
    membership = (
        Membership.objects.select_related("project").filter(user=user, project__public_id=public_id).first()
        if user.is_authenticated
        else None
    )
    require_role(membership, role)
    project = membership.project
    project.membership = membership
    return project


def can(membership: Membership | None, role: str) -> bool:
    return membership is not None and membership.has_role(role)


def video_for(user: User, public_id: UUID | str, role: str = Role.VIEWER):
    """The video with this public id, if `user` may act on its project with at least `role` (404/403 otherwise).

    The returned video carries the caller's membership as `video.membership`.
    """
    from videos.models import Video

    video = (
        Video.objects.select_related("project", "owner", "remixed_from")
        .filter(public_id=public_id, deleted_at__isnull=True)
        .first()
        if user.is_authenticated
        else None
    )
    if video is None:
        raise Http404("No such video.")
    video.membership = require_role(membership_for(user, video.project), role)
    return video


def video_file_for(user: User, public_id: UUID | str):
    """The video whose archived files `user` may download: a project member's, or any for staff who may view videos
    in the admin (the operators' console shows thumbnails of every video)."""
    from videos.models import Video

    if user.is_authenticated and user.is_staff and user.has_perm("videos.view_video"):
        video = Video.objects.filter(public_id=public_id).first()
        if video is None:
            raise Http404("No such video.")
        return video
    return video_for(user, public_id)
