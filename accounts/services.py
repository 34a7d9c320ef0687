"""Writes for accounts and projects. Views and the admin call these with the actor who acts; each is one
transaction and checks the actor's role itself (accounts/access.py), whichever door it came through."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import require_actor_role
from accounts.actors import Actor
from accounts.models import Membership, Project, User
from audit import services as audit

Role = Membership.Role


def project_create(*, actor: Actor, name: str, owner: User | None = None, is_personal: bool = False) -> Project:
    """A new project owned by `owner` (default: the actor), recorded in the audit log."""
    with audit.attempt(actor=actor, action="project.create", on_behalf_of=owner) as entry:
        entry.target = entry.project = _project_create(actor=actor, name=name, owner=owner, is_personal=is_personal)
    return entry.target


@transaction.atomic
def _project_create(*, actor: Actor, name: str, owner: User | None = None, is_personal: bool = False) -> Project:
    owner = owner or actor.user
    if owner is None:
        raise ValidationError("A project needs an owner.")
    project = Project(name=name.strip(), is_personal=is_personal)
    project.full_clean()
    # Names need not be unique across the studio, but among one owner's projects they must be, or its menus could
    # not tell them apart.
    if Project.objects.filter(
        memberships__user=owner, memberships__role=Role.OWNER, name__iexact=project.name
    ).exists():
        raise ValidationError(
            {"name": f"You already own a project called “{project.name}”. Give this one another name."}
        )
    project.save()
    Membership.objects.create(user=owner, project=project, role=Role.OWNER)
    return project


def personal_project_name(user: User) -> str:
    return f"{user.username}'s videos"[:100]


def _find_user(identifier: str) -> User:
    identifier = identifier.strip()
    if not identifier:
        raise ValidationError("Enter a username or an email address.")
    lookup = {"email__iexact": identifier} if "@" in identifier else {"username__iexact": identifier}
    user = User.objects.filter(is_active=True, **lookup).first()
    if user is None:
        raise ValidationError(f"No active user is called “{identifier}”. Check the spelling, or ask them to sign up first.")
    return user


def member_add(*, actor: Actor, project: Project, identifier: str, role: str) -> Membership:
    with audit.attempt(actor=actor, action="member.add", project=project,
                       detail={"identifier": identifier.strip()[:150], "role": role}) as entry:  # fmt: skip
        entry.target = _member_add(actor=actor, project=project, identifier=identifier, role=role)
    return entry.target


@transaction.atomic
def _member_add(*, actor: Actor, project: Project, identifier: str, role: str) -> Membership:
    require_actor_role(actor, project, Role.OWNER)
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”.")
    user = _find_user(identifier)
    if Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError(f"{user.username} is already a member of {project.name}.")
    return Membership.objects.create(project=project, user=user, role=role)


def _lock_owners(project: Project) -> list[int]:
    # Lock the owner rows so two owners demoting each other at once can't leave the project ownerless.
    return list(
        Membership.objects.select_for_update().filter(project=project, role=Role.OWNER).values_list("id", flat=True)
    )


def member_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    with audit.attempt(actor=actor, action="member.role", project=membership.project, target=membership,
                       detail={"from": membership.role, "to": role}) as entry:  # fmt: skip
        entry.target = _member_set_role(actor=actor, membership=membership, role=role)
    return entry.target


@transaction.atomic
def _member_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    require_actor_role(actor, membership.project, Role.OWNER)
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”.")
    owners = _lock_owners(membership.project)
    if membership.role == Role.OWNER and role != Role.OWNER and owners == [membership.id]:
        raise ValidationError(
            f"{membership.user.username} is the last owner of {membership.project.name}. "
            "Make someone else an owner first."
        )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


def member_remove(*, actor: Actor, membership: Membership) -> None:
    """An owner removes a member, or a member leaves (removes themselves); recorded in the audit log."""
    leaving = actor.user is not None and actor.user.id == membership.user_id
    with audit.attempt(actor=actor, action="member.leave" if leaving else "member.remove",
                       project=membership.project, target=membership) as entry:  # fmt: skip
        entry.detail["role"] = membership.role
        _member_remove(actor=actor, membership=membership)


@transaction.atomic
def _member_remove(*, actor: Actor, membership: Membership) -> None:
    leaving = actor.user is not None and actor.user.id == membership.user_id
    require_actor_role(actor, membership.project, Role.VIEWER if leaving else Role.OWNER)
    owners = _lock_owners(membership.project)
    if owners == [membership.id]:
        raise ValidationError(
            f"{membership.user.username} is the last owner of {membership.project.name}. "
            "Make someone else an owner first."
        )
    membership.delete()
