"""Quotas: reserve at submit, settle on completion, refund on failure. (Limits arrive with the quota rules.)"""

from __future__ import annotations

from videos.models import Video


def reserve(videos: list[Video]) -> None:
    """Reserve the estimated cost of `videos` against every limit that applies, atomically."""


def settle(video: Video) -> None:
    """The video completed: its reservation becomes spend."""


def refund(video: Video) -> None:
    """The video failed or was cancelled before it cost anything: release its reservation."""


def max_in_flight(video: Video) -> int | None:
    """The tightest per-user limit of jobs in flight that applies to this video's owner, if any."""
    return None


def allowance_for(*, user, project):
    """What the user may still spend in this project, for the create form (None: no limits apply)."""
    return None
