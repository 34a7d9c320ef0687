"""Reads for videos. Every selector starts from the user's memberships, so it cannot leak another team's video."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from accounts.models import Membership, Project, User
from reviews import organise_selectors as organise
from reviews import review_selectors
from videos import search
from videos.models import Video


def videos_visible_to(user: User) -> QuerySet[Video]:
    """Videos of the user's projects (deleted ones, kept only as lineage tombstones, are not listed).

    The projects come first, as a subquery on the user's memberships (`project_id IN (SELECT ...)`): each database
    can then walk the videos in the page's order along an index and stop after one page, instead of joining every
    visible video to the memberships and sorting them all."""
    return Video.objects.filter(project__in=_project_ids_of(user), deleted_at__isnull=True)


def _project_ids_of(user: User) -> QuerySet:
    return Membership.objects.filter(user=user).values("project_id")


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
    tag: str = ""  # only videos carrying this tag (reviews: organise)
    favourite: bool = False  # only the viewer's starred videos (reviews: organise)
    review: str = ""  # a review state (reviews/): approved, in_review, changes_requested


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
        qs = search.matching(qs, filters.q)
    if filters.tag or filters.favourite:
        qs = organise.filter_videos(qs, user, tag=filters.tag, favourite=True if filters.favourite else None)
    if filters.review:
        qs = review_selectors.filter_by_review(qs, filters.review)
    qs = review_selectors.with_review_state(qs)  # the cards' review badge, joined in this query
    order = GALLERY_SORTS.get(filters.sort, GALLERY_SORTS["newest"])[1]
    # What a card shows: its project and owner, its title, and its files (a card names a parent only by its id).
    return qs.select_related("project", "owner", "organise_title").prefetch_related("assets").order_by(*order)


# ---------------------------------------------------------------------------------------------------------------
# Gallery pages: numbered while the list is short, "newer / older" by position (keyset) past that
# ---------------------------------------------------------------------------------------------------------------
# Up to this many videos a list is counted exactly and its pages numbered (an OFFSET of at most this many rows is
# cheap); past it, pages go by position: the rows after (or before) one video in the list's order, along an index.
COUNT_EXACT_UP_TO = 1000
PROJECT_COUNT_SECONDS = 300  # how long a project's video count is kept for "about N" labels


class _RowLessThan(TupleLessThan):
    """(a, b, c) < (x, y, z) as the database's own row comparison, which walks an index (Django spells it out as
    ORs on SQLite, which SQLite cannot use an index for; SQLite has had row values since 3.15)."""

    def as_sql(self, compiler, connection):
        return super(TupleLessThan, self).as_sql(compiler, connection)


class _RowGreaterThan(TupleGreaterThan):
    def as_sql(self, compiler, connection):
        return super(TupleGreaterThan, self).as_sql(compiler, connection)


def _keyset(qs: QuerySet[Video], order: tuple[str, ...], boundary: Video, *, after: bool) -> QuerySet[Video]:
    """The rows strictly after (or before) `boundary` in `order` (every field of an order has the same direction)."""
    names = [f.lstrip("-") for f in order]
    descending = order[0].startswith("-")
    lookup = _RowLessThan if descending == after else _RowGreaterThan
    values = [getattr(boundary, n) for n in names]
    return qs.filter(lookup(Tuple(*[F(n) for n in names]), tuple(values)))


def _reversed(order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)


@dataclass
class GalleryPage:
    videos: list[Video]
    count: int | None  # exact, when known
    count_label: str  # "37", "about 100,000" or "more than 1,000"
    numbered: Page | None = None  # short lists: the page of their numbered pages
    number: int = 1
    before: str = ""  # public id of the first video shown (the page before ends there), "" on the first page
    after: str = ""  # public id of the last video shown (the next page starts after it), "" on the last page
    is_first: bool = True
    is_last: bool = True
    sort: str = "newest"

    @property
    def steps(self) -> tuple[str, str, str, str]:
        """Words for the first, previous, next and last links in this order."""
        return STEP_WORDS.get(self.sort, ("First", "Previous", "Next", "Last"))


STEP_WORDS = {"newest": ("Newest", "Newer", "Older", "Oldest"), "oldest": ("Oldest", "Older", "Newer", "Newest")}


def project_video_counts(project_ids: list[int]) -> dict[int, int]:
    """How many (not deleted) videos each project has, kept in the cache for a few minutes: the "about N" of long
    lists. One grouped count over the projects' index for the ones not cached."""
    keys = {pid: f"videos:project-count:{pid}" for pid in project_ids}
    cached = cache.get_many(list(keys.values()))
    counts = {pid: cached[key] for pid, key in keys.items() if key in cached}
    missing = [pid for pid in project_ids if pid not in counts]
    if missing:
        rows = (
            Video.objects.filter(project_id__in=missing, deleted_at__isnull=True)
            .values("project_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        fresh = {pid: 0 for pid in missing} | {row["project_id"]: row["n"] for row in rows}
        cache.set_many({keys[pid]: n for pid, n in fresh.items()}, PROJECT_COUNT_SECONDS)
        counts |= fresh
    return counts


def gallery_page(
    user: User,
    *,
    project: Project | None = None,
    filters: GalleryFilters = GalleryFilters(),
    page: str | None = None,
    after: str = "",
    before: str = "",
    per_page: int = 24,
    project_ids: list[int] | None = None,
) -> GalleryPage:
    """One page of a gallery in constant queries whatever its length.

    A list of at most COUNT_EXACT_UP_TO videos is counted and numbered (`page`). A longer one is paged by position:
    `after` / `before` name the video the page starts after / ends before, `page="last"` is the oldest end. Its
    count is then "about N" (the cached per-project counts, for a list without filters) or "more than 1,000".
    `project_ids`: the user's projects when the caller has them (for the estimate)."""
    qs = gallery(user, project=project, filters=filters)
    order = GALLERY_SORTS.get(filters.sort, GALLERY_SORTS["newest"])[1]
    bounded = qs.order_by()[: COUNT_EXACT_UP_TO + 1].count()
    if bounded <= COUNT_EXACT_UP_TO and not (after or before):
        paginator = Paginator(qs, per_page)
        paginator.count = bounded  # a cached_property: not counted again
        p = paginator.get_page(page)
        return GalleryPage(
            videos=list(p.object_list), count=bounded, count_label=f"{bounded:,}", numbered=p,
            number=p.number, is_first=not p.has_previous(), is_last=not p.has_next(),
        )  # fmt: skip
    if bounded <= COUNT_EXACT_UP_TO:
        count, label = bounded, f"{bounded:,}"
    elif replace(filters, sort="newest") == GalleryFilters():  # no filter, not "mine": the projects' counts
        ids = [project.id] if project is not None else project_ids
        if ids is None:
            ids = list(Membership.objects.filter(user=user).values_list("project_id", flat=True))
        estimate = sum(project_video_counts(ids).values())
        count, label = None, f"about {max(estimate, bounded):,}"
    else:
        count, label = None, f"more than {COUNT_EXACT_UP_TO:,}"
    boundary = None
    if after or before:
        try:
            boundary = Video.objects.filter(
                project__in=_project_ids_of(user), public_id=after or before
            ).only(*[f.lstrip("-") for f in order]).first()
        except ValidationError:
            boundary = None
    if boundary is not None and after:
        rows = list(_keyset(qs, order, boundary, after=True)[: per_page + 1])
        videos, first, last = rows[:per_page], False, len(rows) <= per_page
    elif boundary is not None:
        rows = list(_keyset(qs.order_by(*_reversed(order)), _reversed(order), boundary, after=True)[: per_page + 1])
        videos, first, last = rows[:per_page][::-1], len(rows) <= per_page, False
    elif page == "last":
        rows = list(qs.order_by(*_reversed(order))[:per_page])
        videos, first, last = rows[::-1], len(rows) < per_page and count is not None, True
    else:
        rows = list(qs[: per_page + 1])
        videos, first, last = rows[:per_page], True, len(rows) <= per_page
    return GalleryPage(
        videos=videos, count=count, count_label=label, is_first=first, is_last=last,
        before="" if first or not videos else str(videos[0].public_id),
        after="" if last or not videos else str(videos[-1].public_id), sort=filters.sort,
    )  # fmt: skip


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
            review_selectors.with_review_state(Video.objects.select_related("owner"))
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
            review_selectors.with_review_state(Video.objects)
            .filter(remixed_from_id__in=[n.video.id for n in level], project_id=video.project_id)
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


def videos_for_status(user: User, public_ids: list[str]) -> QuerySet[Video]:
    """The live-progress endpoint's videos: the asked ones the user may see, with what their fragments show."""
    return (
        review_selectors.with_review_state(videos_visible_to(user))
        .filter(public_id__in=public_ids)
        .select_related("project", "owner", "provider", "remixed_from", "organise_title")
        .prefetch_related("assets")
    )


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their projects, by project name (one query)."""
    return list(Membership.objects.filter(user=user).select_related("project").order_by("project__name"))


def people_of_my_projects(user: User) -> QuerySet[User]:
    """Everyone in any of the user's projects (the gallery's "made by" filter)."""
    return User.objects.filter(memberships__project__in=_project_ids_of(user)).distinct().order_by("username")


def project_owners(project: Project) -> QuerySet[User]:
    return User.objects.filter(Q(memberships__project=project)).order_by("username")
