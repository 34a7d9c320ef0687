"""Small display helpers for the studio's templates: relative times that never say "0 minutes ago", and a video's
aspect ratio (from its size, "720x1280") for the players and cards."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """ "3 minutes ago", "2 days ago"; "just now" under a minute (and for a clock a little ahead of ours)."""
    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, now, depth=1)} ago"


def _dimensions(size: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in str(size).lower().split("x"))
    except ValueError:
        return 16, 9
    return (width, height) if width > 0 and height > 0 else (16, 9)


@register.filter
def aspect(size: str) -> str:
    """ "720x1280" -> "720 / 1280" (a CSS aspect-ratio); 16 / 9 for a size we cannot read."""
    width, height = _dimensions(size)
    return f"{width} / {height}"


@register.filter
def width(size: str) -> int:
    return _dimensions(size)[0]


@register.filter
def height(size: str) -> int:
    return _dimensions(size)[1]


@register.filter
def orientation(size: str) -> str:
    """ "portrait" (taller than wide), else "landscape" (square counts as landscape)."""
    width, height = _dimensions(size)
    return "portrait" if height > width else "landscape"


@register.filter
def ratio(size: str) -> str:
    """ "720x1280" -> "0.5625": width over height, as a number CSS calc() can use."""
    width, height = _dimensions(size)
    return f"{width / height:.4f}"


# Why a video failed, in plain words, by the error code the video service gave. `edit`: the prompt itself was
# refused, so sending it again unchanged would fail again; the page offers "Edit and retry" instead of "Retry".
PROMPT_REFUSED = {"moderation_blocked", "content_policy_violation", "content_filter", "safety_violation"}
FAILURE_WORDS = {
    "moderation_blocked": "The video service's safety check refused this prompt. The same words would be refused "
    "again, so change them: describe the scene without what the check may read as unsafe (violence, real people, "
    "brands, explicit content), then try again.",
    "internal_error": "The video service had a problem of its own while making this video. Your prompt was not "
    "the cause: trying again with the same settings usually works.",
    "not_found_upstream": "The video service lost track of this job. Trying again starts it afresh.",
    "expired_before_archive": "The video was made, but its files expired at the video service before the studio "
    "could save them. Trying again makes it afresh.",
    "rate_limit_exceeded": "The video service was too busy to take this video. Trying again a little later "
    "usually works.",
}
FAILURE_WORDS["content_policy_violation"] = FAILURE_WORDS["content_filter"] = FAILURE_WORDS["safety_violation"] = (
    FAILURE_WORDS["moderation_blocked"]
)


@register.filter
def failure_help(video) -> dict:
    """{"words": plain explanation, "edit": True when the prompt must change before a retry can work}."""
    code = (getattr(video, "error_code", "") or "").strip().lower()
    words = FAILURE_WORDS.get(code)
    if words is None:
        if code.startswith("http_5"):
            words = FAILURE_WORDS["internal_error"]
        else:
            words = (
                "The video service stopped this video. Its reason is below; trying again may work if it was a "
                "passing problem."
            )
    return {"words": words, "edit": code in PROMPT_REFUSED}
