"""Notifications listen to the studio's events (each sent once its change is committed):

- videos.lifecycle.job_transition (new == completed or failed): the video's owner is told; project webhooks get
  video.completed / video.failed;
- storyboards.events.cut_finished: the member who asked for the final cut is told;
- reviews.events.member_mentioned: the member named in a comment is told;
- reviews.events.review_changed: the video's owner is told; project webhooks get review.changed.

A receiver never breaks the sender: a failure is logged (the event's own change is committed already).
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from reviews.events import member_mentioned, review_changed
from storyboards.events import cut_finished
from videos.lifecycle import job_transition
from videos.models import Video

log = logging.getLogger(__name__)


@receiver(job_transition, dispatch_uid="notify_job_transition")
def on_job_transition(sender, *, video_id: int, new: str, reason: str = "", **kwargs) -> None:
    if new not in (Video.Status.COMPLETED, Video.Status.FAILED):
        return
    from reviews import notify_services

    try:
        notify_services.video_outcome_notify(video_id=video_id, new=new, reason=reason)
    except Exception:  # noqa: BLE001
        log.exception("notify: could not tell of video %s (%s)", video_id, new)


@receiver(cut_finished, dispatch_uid="notify_cut_finished")
def on_cut_finished(sender, *, cut_id: int, new: str, error: str = "", **kwargs) -> None:
    from reviews import notify_services

    try:
        notify_services.cut_outcome_notify(cut_id=cut_id, new=new, error=error)
    except Exception:  # noqa: BLE001
        log.exception("notify: could not tell of cut %s (%s)", cut_id, new)


@receiver(member_mentioned, dispatch_uid="notify_member_mentioned")
def on_member_mentioned(sender, *, user_id: int, video_id=None, cut_id=None, author_id=None, excerpt: str = "",
                        **kwargs) -> None:  # fmt: skip
    # Sent robustly (reviews.review_services._send logs a failure), with what the notification says.
    from reviews import notify_services

    if video_id is None and cut_id is None:
        log.warning("notify: a mention (comment %s) names no video or cut", kwargs.get("comment_id"))
        return
    notify_services.mention_notify(user_id=user_id, video_id=video_id, cut_id=cut_id, author_id=author_id,
                                   excerpt=excerpt)  # fmt: skip


@receiver(review_changed, dispatch_uid="notify_review_changed")
def on_review_changed(sender, *, video_id: int, old: str = "", new: str = "", actor=None, note: str = "",
                      **kwargs) -> None:  # fmt: skip
    # Sent robustly (reviews.review_services._send logs a failure).
    from reviews import notify_services

    notify_services.review_changed_notify(video_id=video_id, old=old, new=new, actor=actor, note=note or "")
