"""Who may see and do what in a project: the one place that decides for projects and memberships.

An outsider gets 404 for anything in a project they are not in (it does not exist, for them); a member whose
role is too weak for the action gets 403. Views fetch projects only through these functions; each app that owns
objects inside a project decides access to them with these rules in its own access module (videos/access.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, Project

if TYPE_CHECKING:
    from accounts.actors import Actor
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


def require_actor_role(actor: Actor, project: Project, role: str) -> Membership | None:
    """The check every write service makes (defence in depth behind the view's own): the studio itself and staff
    acting from the admin may act anywhere; a member or token needs `role` in the project (404/403 otherwise).
    Reuses the membership a view attached to the project (`project.membership`) instead of asking again."""
    if actor.is_system or actor.is_staff:
        return None
    user = actor.user
    if user is None or not user.is_authenticated or not user.is_active:
        raise Http404("No such project.")
    attached = getattr(project, "membership", None)
    membership = attached if attached is not None and attached.user_id == user.id else membership_for(user, project)
    return require_role(membership, role)
