"""What the studio itself does to a job is recorded from the lifecycle's event (videos.lifecycle.job_transition,
sent once the change is committed): a video completed (archived) or failed, with the reason. What people do (create,
cancel, delete, ...) is recorded by the services where they act."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from videos.lifecycle import job_transition
from videos.models import Video

log = logging.getLogger(__name__)

RECORDED = {Video.Status.COMPLETED: "video.complete", Video.Status.FAILED: "video.fail"}


@receiver(job_transition, dispatch_uid="audit_job_transition")
def record_job_outcome(sender, *, video_id: int, new: str, old: str, actor, reason: str = "", **kwargs) -> None:
    from audit import services

    action = RECORDED.get(new)
    if action is None:
        return
    video = Video.objects.select_related("project").filter(id=video_id).first()
    if video is None:
        return
    try:
        services.record(actor=actor, action=action, target=video, project=video.project,
                        detail={"from": old, **({"reason": reason[:500]} if reason else {})})  # fmt: skip
    except Exception:  # noqa: BLE001 - the log must never break the pipeline
        log.exception("audit: could not record %s of video %s", action, video.public_id)
