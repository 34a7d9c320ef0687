"""Gallery cards, rendered once per state and kept in the cache.

A card shows only its video's own state (status, progress, files, owner, project, age), the same to everyone who
may see the video, so its HTML is kept under a key made of exactly what it shows: a card whose video changed gets a
new key, and an old key is never read again. A gallery page then renders its cards by one cache read
(`get_many`), and the live-progress endpoint renders only the cards it is asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from reviews.organise_selectors import title_of
from videos.models import Video
from videos.templatetags.studio_ui import ago

TEMPLATE = "videos/video_card.html"
VERSION = "3"  # bump when video_card.html (or what it includes) changes in a way the key does not show
SECONDS = 3600


def card_key(video: Video, *, show_project: bool) -> str:
    """Everything the card shows, hashed: the video's fields, its files, its owner's and project's names, and its
    age in words (a card's "3 minutes ago" is part of its state)."""
    parts = (
        VERSION, video.public_id, video.status, video.progress, video.prompt, video.model, video.size, video.seconds,
        video.remixed_from_id or "", video.created_at.isoformat(), ago(video.created_at),
        ",".join(sorted(video.asset_map)), video.owner.username,
        f"{video.project.public_id}:{video.project.name}" if show_project else "", title_of(video),
        getattr(video, "review_state", None) or "",  # reviews/: its badge (joined by the gallery's query)
    )  # fmt: skip
    return "videos:card:" + hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def render_cards(videos: Iterable[Video], *, show_project: bool, request: HttpRequest) -> list[SafeString]:
    """The HTML of each video's card, in order: from the cache, or rendered (and kept) for the ones not there."""
    videos = list(videos)
    keys = [card_key(v, show_project=show_project) for v in videos]
    found = cache.get_many(keys)
    fresh = {}
    template = None
    out = []
    for video, key in zip(videos, keys):
        html = found.get(key)
        if html is None:
            template = template or get_template(TEMPLATE)
            context = {"video": video, "show_project": show_project, "title": title_of(video)}
            html = fresh[key] = template.render(context, request)
        out.append(mark_safe(html))
    if fresh:
        cache.set_many(fresh, SECONDS)
    return out
