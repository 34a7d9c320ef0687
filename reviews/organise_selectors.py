"""Reads for organising videos: the tags and stars of a page's videos (one query each, whatever the page's length),
the tag and favourite filters of the galleries and the Team API, the names offered while typing a tag, and the
videos of a bulk action (only ones the member can see)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Membership, Project, User
from reviews.models.organise import TAGS_PER_VIDEO, Favourite, Tag, VideoTag, VideoTitle
from videos.models import Video

BULK_MAX = 100  # videos in one bulk action (and one zip)
SUGGESTIONS_MAX = 500  # tag names offered while typing


def decorate(videos: Iterable[Video], user: User) -> list[Video]:
    """Give each video `tag_names` (its tags, by name) and `is_favourite` (the user's star): two queries for the
    whole list."""
    videos = list(videos)
    ids = [v.id for v in videos]
    tags: dict[int, list[str]] = {i: [] for i in ids}
    stars: set[int] = set()
    if ids:
        for video_id, name in (
            VideoTag.objects.filter(video_id__in=ids).order_by("tag__key").values_list("video_id", "tag__name")
        ):
            tags[video_id].append(name)
        stars = set(Favourite.objects.filter(user=user, video_id__in=ids).values_list("video_id", flat=True))
    for video in videos:
        video.tag_names = tags.get(video.id, [])
        video.is_favourite = video.id in stars
    return videos


def title_of(video: Video) -> str:
    """The video's title ("" without one) from what was loaded with it (select_related("organise_title")), or one
    query."""
    try:
        return video.organise_title.title
    except VideoTitle.DoesNotExist:
        return ""


def filter_videos(qs: QuerySet[Video], user: User, *, tag: str = "", favourite: bool | None = None) -> QuerySet[Video]:
    """`qs` narrowed to the videos carrying `tag` (any case; a tag of that name in any of their projects) and/or
    starred (favourite=True) or not starred (favourite=False) by `user`. Subqueries: no query of their own."""
    if tag:
        key = " ".join(tag.split()).casefold()
        # the user's projects' tags of that name (along the (project, key) index), then their videos
        tags = Tag.objects.filter(project__in=Membership.objects.filter(user=user).values("project_id"), key=key)
        qs = qs.filter(id__in=VideoTag.objects.filter(tag__in=tags).values("video_id"))
    if favourite is not None:
        starred = Exists(Favourite.objects.filter(user=user, video_id=OuterRef("pk")))
        qs = qs.filter(starred) if favourite else qs.exclude(starred)
    return qs


def tag_suggestions(user: User, project: Project | None = None) -> list[str]:
    """The tag names offered while typing (a datalist): the project's, or those of every project of the user's
    (one query)."""
    tags = Tag.objects.filter(project__in=Membership.objects.filter(user=user).values("project_id"))
    if project is not None:
        tags = tags.filter(project=project)
    names = tags.order_by("key").values_list("name", flat=True)[:SUGGESTIONS_MAX]
    seen, out = set(), []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def video_tags(video: Video) -> tuple[list[str], list[str]]:
    """(the video's tags, the project's tags offered while typing): one query."""
    on_video = Exists(VideoTag.objects.filter(tag=OuterRef("pk"), video=video))
    rows = Tag.objects.filter(project_id=video.project_id).annotate(on=on_video).order_by("-on", "key")
    mine, offered = [], []
    for tag in rows.values("name", "on")[:SUGGESTIONS_MAX]:
        (mine if tag["on"] else offered).append(tag["name"])
    return mine, offered


def is_favourite(user: User, video: Video) -> bool:
    return Favourite.objects.filter(user=user, video=video).exists()


def parse_ids(raw: Iterable[str]) -> list[uuid.UUID]:
    """The selected ids in order, once each. Refused (ValidationError): none, more than BULK_MAX, or one that is not
    a video id."""
    ids: list[uuid.UUID] = []
    for value in raw:
        try:
            parsed = uuid.UUID(str(value).strip())
        except ValueError:
            raise ValidationError("The selection holds something that is not a video; nothing was changed.") from None
        if parsed not in ids:
            ids.append(parsed)
    if not ids:
        raise ValidationError("Select at least one video first; nothing was changed.")
    if len(ids) > BULK_MAX:
        raise ValidationError(
            f"Select at most {BULK_MAX} videos at a time (you selected {len(ids)}); nothing was changed."
        )
    return ids


def bulk_videos(user: User, raw_ids: Iterable[str]) -> list[Video]:
    """The selected videos, in the order given, if the user can see every one of them (member of its project, not
    deleted). Any other id (unknown, deleted, another team's) refuses the whole selection without saying which
    kind it was, so nothing leaks. With what a bulk action and the zip need loaded up front."""
    from videos.selectors import videos_visible_to

    ids = parse_ids(raw_ids)
    found = {
        v.public_id: v
        for v in videos_visible_to(user)
        .filter(public_id__in=ids)
        .select_related("project", "owner", "provider", "organise_title")
        .prefetch_related("assets")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        n = len(missing)
        raise ValidationError(
            f"{n} of the selected videos {'was' if n == 1 else 'were'} not found (deleted, or not in your projects); "
            "nothing was changed."
        )
    return decorate([found[i] for i in ids], user)


def detail_context(user: User, video: Video) -> dict:
    """What the video page shows of its organising: title, tags, the project's other tags (offered while typing)
    and my star. Three queries."""
    tags, offered = video_tags(video)
    return {
        "organise_title": title_of(video),
        "organise_tags": tags,
        "organise_offered": offered,
        "organise_favourite": is_favourite(user, video),
        "organise_tags_max": TAGS_PER_VIDEO,
    }
