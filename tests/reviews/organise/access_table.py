"""The organise views' access rules, as rows of the studio's one table (tests/test_access.py): anonymous -> login,
outsider -> 404, viewer -> 403 for tags and titles, wrong method -> 405, nothing changed by a refusal. The bulk views
take any signed-in member (their selection is checked video by video: tests/reviews/organise/test_bulk_views.py)."""

from __future__ import annotations

from django.urls import reverse

from tests.access import ViewSpec


def _video(name):
    return lambda w: reverse(name, args=[str(w["video"].public_id)])


ORGANISE_VIEWS = [
    ViewSpec("reviews:favourite", _video("reviews:favourite"), "post", "viewer", {"on": "1"}),
    ViewSpec("reviews:tag-add", _video("reviews:tag-add"), "post", "editor", {"name": "dusk"}),
    ViewSpec("reviews:tag-remove", _video("reviews:tag-remove"), "post", "editor", {"name": "dusk"}),
    ViewSpec("reviews:title", _video("reviews:title"), "post", "editor", {"title": "Kite, take 2"}),
    ViewSpec("reviews:bulk-tag", lambda w: reverse("reviews:bulk-tag"), "post", None, {"tag": "dusk"}),
    ViewSpec("reviews:bulk-favourite", lambda w: reverse("reviews:bulk-favourite"), "post", None),
    ViewSpec("reviews:bulk-delete", lambda w: reverse("reviews:bulk-delete"), "post", None),
    ViewSpec("reviews:bulk-zip", lambda w: reverse("reviews:bulk-zip"), "post", None),
]  # fmt: skip


def organise_state():
    """What an organise view could change: stars, tags on videos, the projects' tags, titles."""
    from reviews.models import Favourite, Tag, VideoTag, VideoTitle

    return (
        sorted(Favourite.objects.values_list("user_id", "video_id")),
        sorted(VideoTag.objects.values_list("video_id", "tag_id")),
        sorted(Tag.objects.values_list("project_id", "key")),
        sorted(VideoTitle.objects.values_list("video_id", "title")),
    )
