"""Reads for the project cast. Every selector starts from a project the caller already may see (or a video of it)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Project
from characters.models import Appearance, Character


def cast_of_project(project: Project) -> QuerySet[Character]:
    """The project's characters, by name, with what a card shows loaded up front."""
    return Character.objects.filter(project=project).select_related("thumbnail", "created_by", "source_video")


def _own_casts(video_ids) -> dict[int, list[Character]]:
    casts: dict[int, list[Character]] = {}
    rows = Appearance.objects.filter(video_id__in=list(video_ids)).select_related("character__thumbnail")
    for appearance in rows.order_by("video_id", "position", "id"):
        casts.setdefault(appearance.video_id, []).append(appearance.character)
    return casts


def cast_of(video) -> list[Character]:
    """Who is in a video: its own characters, or (a remix, edit or extension) those of the nearest ancestor that
    has some: a child shows the same people."""
    chain, node, seen = [], video, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        chain.append(node.id)
        node = node.remixed_from if node.remixed_from_id else None
    casts = _own_casts(chain)
    for video_id in chain:
        if casts.get(video_id):
            return casts[video_id]
    return []


def annotate_lineage(root) -> None:
    """Set `node.cast` on every node of a lineage tree (videos.selectors.Node): own characters, else inherited
    from the parent node. One query for the whole tree."""
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    casts = _own_casts(n.video.id for n in nodes)

    def visit(node, inherited):
        node.cast = casts.get(node.video.id) or inherited
        for child in node.children:
            visit(child, node.cast)

    visit(root, [])
