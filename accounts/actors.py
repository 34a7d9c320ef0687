"""Who acted: every write service takes an actor, so the audit log, quotas and access checks know who did what.

An actor is a signed-in member (a session), a personal API token, a guest link, a staff user in the admin, or the
studio itself (a task, the scheduler, a webhook). Pages make one with `Actor.member(request)`, the admin with
`Actor.staff(request)`, tasks with `Actor.system("what")`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


class ActorKind(models.TextChoices):
    MEMBER = "member", "Member (signed in)"
    TOKEN = "token", "API token"
    GUEST = "guest", "Guest link"
    STAFF = "staff", "Staff (admin)"
    SYSTEM = "system", "The studio itself"


def client_address(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:45]


@dataclass(frozen=True)
class Actor:
    kind: str
    user: User | None = None
    label: str = ""  # a token's or guest link's id, or what the system was doing
    address: str = ""  # the client's address, when it came over HTTP

    @classmethod
    def member(cls, request: HttpRequest) -> Actor:
        return cls(ActorKind.MEMBER, request.user, "session", client_address(request))

    @classmethod
    def staff(cls, request: HttpRequest) -> Actor:
        return cls(ActorKind.STAFF, request.user, "admin", client_address(request))

    @classmethod
    def of_user(cls, user: User, label: str = "") -> Actor:
        """A member acting outside a request (a management command, a test)."""
        return cls(ActorKind.MEMBER, user, label)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(ActorKind.SYSTEM, None, what)

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF and self.user is not None and self.user.is_staff

    def __str__(self) -> str:
        who = self.user.username if self.user is not None else "studio"
        return f"{who} ({self.get_kind_display()}{', ' + self.label if self.label else ''})"

    def get_kind_display(self) -> str:
        return ActorKind(self.kind).label


SYSTEM = Actor.system("pipeline")
