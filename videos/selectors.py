"""Reads for videos. Every selector starts from the user's memberships, so it cannot leak another team's video."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import Project, User
from videos.models import Video


def videos_visible_to(user: User) -> QuerySet[Video]:
    """Videos of the user's projects (deleted ones, kept only as lineage tombstones, are not listed)."""
    return Video.objects.filter(project__memberships__user=user, deleted_at__isnull=True)


# Gallery orders: name -> (label, ORDER BY). Ties fall back to newest first.
GALLERY_SORTS = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "cost": ("Highest cost first", ("-estimated_cost", "-created_at", "-id")),
    "length": ("Longest first", ("-seconds", "-created_at", "-id")),
}


@dataclass(frozen=True)
class GalleryFilters:
    status: str = ""
    model: str = ""
    owner: str = ""  # a username
    since: date | None = None
    until: date | None = None
    q: str = ""
    mine: bool = False  # only the viewer's own videos
    sort: str = "newest"


def gallery(user: User, *, project: Project | None = None, filters: GalleryFilters = GalleryFilters()) -> QuerySet[Video]:
    """The videos of a gallery page in the asked order (newest first by default), with what a card shows loaded up
    front (constant queries)."""
    qs = videos_visible_to(user)
    if project is not None:
        qs = qs.filter(project=project)
    if filters.status == "unfinished":
        qs = qs.filter(status__in=Video.UNFINISHED)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.model:
        qs = qs.filter(model=filters.model)
    if filters.mine:
        qs = qs.filter(owner=user)
    elif filters.owner:
        qs = qs.filter(owner__username=filters.owner)
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    if filters.q:
        qs = qs.filter(prompt__icontains=filters.q)
    order = GALLERY_SORTS.get(filters.sort, GALLERY_SORTS["newest"])[1]
    return qs.select_related("project", "owner", "remixed_from", "provider").prefetch_related("assets").order_by(*order)


BRANCH_LETTERS = "bcdefghijklmnopqrstuvwxyz"


@dataclass
class Node:
    video: Video
    children: list[Node] = field(default_factory=list)
    depth: int = 1
    variation: int = 0  # n-th of several siblings made from the same prompt (one remix submit), else 0
    variations: int = 0  # how many siblings that submit made (0 when it made one)
    branch: str = ""  # "" on the main line, else the letter of the branch this video is on
    branch_start: Node | None = None  # the first video of that branch
    parent: Node | None = None

    @property
    def label(self) -> str:
        """Generation and branch: v1, v2, v3 on the main line (each video's first remix continues its line);
        a later remix of the same video starts a new branch, lettered in tree order: v2b, then its remix v3b."""
        return f"v{self.depth}{self.branch}"

    @property
    def explanation(self) -> str:
        """What the label means, for its title attribute."""
        where = (
            "the original"
            if self.depth == 1
            else "on the main line (each video's first remix continues the line)"
            if not self.branch
            else f"on branch {self.branch}, which starts at {self.branch_start.label} "
            f"(a later remix of {self.branch_start.parent.label})"
        )
        return f"{self.label}: generation {self.depth}, {where}."


def _branch_name(n: int) -> str:
    letters = len(BRANCH_LETTERS)
    return BRANCH_LETTERS[(n - 1) % letters] + (str((n - 1) // letters + 1) if n > letters else "")


def find_node(root: Node, video_id: int) -> Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.video.id == video_id:
            return node
        stack.extend(node.children)
    return None


def lineage(video: Video) -> tuple[Node, list[Video]]:
    """The whole family tree of `video` (ancestors, siblings, branches) and its line of ancestors, root first.

    One query per generation, all inside the video's own project.
    """
    ancestors = [video]
    node = video
    seen = {video.id}
    while node.remixed_from_id and node.remixed_from_id not in seen:
        parent = (
            Video.objects.select_related("owner")
            .prefetch_related("assets")
            .filter(id=node.remixed_from_id, project_id=video.project_id)
            .first()
        )
        if parent is None:
            break
        ancestors.append(parent)
        seen.add(parent.id)
        node = parent
    ancestors.reverse()
    root = Node(ancestors[0])
    level = [root]
    by_id = {root.video.id: root}
    depth = 1
    while level and depth < 100:
        depth += 1
        children = (
            Video.objects.filter(remixed_from_id__in=[n.video.id for n in level], project_id=video.project_id)
            .select_related("owner")
            .prefetch_related("assets")
            .order_by("created_at", "id")
        )
        next_level = []
        for child in children:
            if child.id in by_id:
                continue
            parent_node = by_id[child.remixed_from_id]
            child_node = Node(child, depth=depth, parent=parent_node)
            parent_node.children.append(child_node)
            by_id[child.id] = child_node
            next_level.append(child_node)
        level = next_level
    for node in by_id.values():
        same_prompt: dict[str, list[Node]] = {}
        for child in node.children:
            same_prompt.setdefault(child.video.prompt, []).append(child)
        for twins in same_prompt.values():
            if len(twins) > 1:
                for n, twin in enumerate(twins, start=1):
                    twin.variation, twin.variations = n, len(twins)
    # Branches in tree order (depth first, oldest remix first): a first child continues its parent's branch.
    branches = 0
    stack = [root]
    while stack:
        node = stack.pop()
        for i, child in enumerate(node.children):
            if i == 0:
                child.branch, child.branch_start = node.branch, node.branch_start
            else:
                branches += 1
                child.branch, child.branch_start = _branch_name(branches), child
        stack.extend(reversed(node.children))
    return root, ancestors


def project_owners(project: Project) -> QuerySet[User]:
    return User.objects.filter(Q(memberships__project=project)).order_by("username")
