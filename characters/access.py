"""Who may see and act on a character: the project's rules (accounts/access.py) applied to the cast.

An outsider gets 404; a member whose role is too weak gets 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.http import Http404

from accounts.access import Role, membership_for, require_role
from characters.models import Character

if TYPE_CHECKING:
    from accounts.models import User


def character_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Character:
    """The character with this public id, if `user` may act on its project with at least `role` (404/403
    otherwise). It carries the caller's membership as `character.membership` (and on its project)."""
    character = (
        Character.objects.select_related("project", "clip", "thumbnail", "created_by")
        .filter(public_id=public_id)
        .first()
        if user.is_authenticated
        else None
    )
    if character is None:
        raise Http404("No such character.")
    character.membership = character.project.membership = require_role(membership_for(user, character.project), role)
    return character
