"""Who may see and act on storyboards, shots, takes and cuts: the project's rules (accounts/access.py).

Views fetch these objects only through this module: an outsider gets 404, a member whose role is too weak 403.
Each object comes back with the caller's membership attached to its project (`project.membership`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.http import Http404

from accounts.access import Role, membership_for, require_role
from storyboards.models import FinalCut, Shot, Storyboard, Take

if TYPE_CHECKING:
    from accounts.models import User


def _allowed(user: User, obj, project, role: str, what: str):
    if obj is None:
        raise Http404(f"No such {what}.")
    project.membership = require_role(membership_for(user, project), role)
    return obj


def storyboard_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Storyboard:
    board = Storyboard.objects.select_related("project").filter(public_id=public_id).first()
    return _allowed(user, board, board.project if board else None, role, "storyboard")


def shot_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Shot:
    shot = Shot.objects.select_related("storyboard", "storyboard__project").filter(public_id=public_id).first()
    return _allowed(user, shot, shot.storyboard.project if shot else None, role, "shot")


def take_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> Take:
    take = (
        Take.objects.select_related("shot", "shot__storyboard", "shot__storyboard__project", "video", "video__provider")
        .filter(public_id=public_id)
        .first()
    )
    return _allowed(user, take, take.shot.storyboard.project if take else None, role, "take")


def cut_for(user: User, public_id: UUID | str, role: str = Role.VIEWER) -> FinalCut:
    cut = (
        FinalCut.objects.select_related("storyboard", "storyboard__project", "video", "thumbnail", "spritesheet")
        .filter(public_id=public_id)
        .first()
    )
    return _allowed(user, cut, cut.storyboard.project if cut else None, role, "final cut")
