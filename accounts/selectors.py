"""Reads for accounts and projects."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import Membership, Project, User

Role = Membership.Role


def project_labels(user: User, projects: Iterable[Project]) -> list[Project]:
    """`projects`, each with a `menu_label`: its name, and where two of the user's projects share a name, the name
    with its owners ("Launch film · owned by alice"), and its creation date if that is still not enough, so menus
    tell them apart. One query, only when names collide."""
    projects = list(projects)
    seen: dict[str, int] = {}
    for p in projects:
        seen[p.name.casefold()] = seen.get(p.name.casefold(), 0) + 1
    clashing = [p for p in projects if seen[p.name.casefold()] > 1]
    owners: dict[int, list[str]] = {}
    if clashing:
        rows = (
            Membership.objects.filter(project__in=clashing, role=Role.OWNER)
            .order_by("user__username")
            .values_list("project_id", "user__username")
        )
        for project_id, username in rows:
            owners.setdefault(project_id, []).append(username)
    for p in projects:
        names = owners.get(p.id) or []
        if p in clashing:
            shown = ", ".join("you" if n == user.username else n for n in names) or "nobody"
            p.menu_label = f"{p.name} · owned by {shown}"
        else:
            p.menu_label = p.name
    labels: dict[str, int] = {}
    for p in projects:
        labels[p.menu_label] = labels.get(p.menu_label, 0) + 1
    for p in projects:
        if labels[p.menu_label] > 1:
            p.menu_label = f"{p.menu_label} · created {p.created_at:%d %b %Y %H:%M}"
    return projects
