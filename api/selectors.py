"""Reads for the Team API: a member's tokens, and the videos and characters a token may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User
from api.models import ApiToken
from characters.models import Character
from characters.selectors import cast_of_project
from providers.selectors import active_providers
from videos import selectors as video_selectors
from videos.models import Video


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")


def token_projects(user: User) -> list[Membership]:
    """The projects a member can make a token for (all they are in), personal first."""
    return list(
        Membership.objects.filter(user=user).select_related("project").order_by("-project__is_personal", "project__name")
    )


def videos_for_token(token: ApiToken) -> QuerySet[Video]:
    """The token's project's videos, through its user's memberships (so a selector cannot leak)."""
    return video_selectors.videos_visible_to(token.user).filter(project=token.project_id)


def characters_for_token(token: ApiToken) -> QuerySet[Character]:
    """The token's project's cast (the token's membership of that project was checked when it authenticated)."""
    return cast_of_project(token.project)


def characters_offered() -> bool:
    """Whether any active provider of the studio has characters: a character is made in the studio first and sent
    to a provider only on a video there, so the studio takes one whenever some provider could use it."""
    return any(provider.capabilities.has_characters() for provider in active_providers())
