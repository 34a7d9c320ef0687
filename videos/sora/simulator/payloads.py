"""The video object as each profile's server writes it (``profiles.Payload``), from one SimVideo row.

The contract's object is ``jobs.payload``; the others are written from the same row, field by field as their
servers' response models have them (sources in profiles.py).
"""

from __future__ import annotations

import time

from . import jobs
from .models import SimVideo
from .profiles import Payload, Profile

COMPLETED, FAILED = SimVideo.Status.COMPLETED, SimVideo.Status.FAILED
# vLLM-Omni answers a failed job's retrieve with the HTTP status kept in error.code (an int): a request the
# pipeline refused is a 400 there, anything else a 500 (_status_code_for_video_failure).
VLLM_CLIENT_FAILURES = {"moderation_blocked": 400}


def is_expired(job: SimVideo, now: float | None = None) -> bool:
    return job.expires_at is not None and (time.time() if now is None else now) >= job.expires_at


def status_word(profile: Profile, job: SimVideo) -> str:
    return profile.status_word(job.status, job.error_code, expired=job.status == COMPLETED and is_expired(job))


def vllm_failure_status(job: SimVideo) -> int:
    return VLLM_CLIENT_FAILURES.get(job.error_code, 500)


def video(profile: Profile, job: SimVideo, status: str | None = None) -> dict:
    """The video object of ``job`` as ``profile``'s server writes it on retrieve, list and create (``status``
    overrides the status word: SGLang's delete answers the job with "deleted")."""
    if profile.payload == Payload.VLLM:
        data = _vllm(profile, job)
    elif profile.payload == Payload.SGLANG:
        data = _sglang(profile, job)
    else:
        data = _contract(profile, job)
    if status is not None:
        data["status"] = status
    return data


def _contract(profile: Profile, job: SimVideo) -> dict:
    data = jobs.payload(job)
    data["status"] = status_word(profile, job)
    if not profile.reports_progress and job.status != COMPLETED:
        data["progress"] = 0
    return data


def relay_submitted(job: SimVideo) -> dict:
    """A relay's create/remix answer: the upstream's create response decoded into its own struct (only the known
    fields, zero values left out: Go ``omitempty``) with ``id`` and ``task_id`` set to the public task id
    (new-api relay/channel/task/sora/adaptor.go, DoResponse)."""
    upstream = jobs.payload(job)
    data = {
        "id": job.id,
        "task_id": job.id,
        "object": "video",
        "model": upstream["model"],
        "status": upstream["status"],
        "progress": upstream["progress"],
        "created_at": upstream["created_at"],
    }
    for key in ("completed_at", "expires_at", "seconds", "size", "remixed_from_video_id", "error"):
        if upstream[key]:
            data[key] = upstream[key]
    return data


def _vllm(profile: Profile, job: SimVideo) -> dict:
    """vLLM-Omni's VideoResponse (vllm_omni/entrypoints/openai/protocol/videos.py)."""
    completed = job.status == COMPLETED
    error = None
    if job.status == FAILED:
        error = {"code": vllm_failure_status(job), "message": job.error_message}
    return {
        "model": job.model,
        "prompt": job.prompt,
        "id": job.id,
        "object": "video",
        "status": status_word(profile, job),
        "size": job.size or None,  # the request's size, null when it named none
        "progress": 100 if completed else 0,
        "seconds": job.seconds,
        "quality": "default",
        "completed_at": job.completed_at,
        "created_at": job.created_at,
        "remixed_from_video_id": None,
        "error": error,
        "media_type": "video/mp4",
        "expires_at": None,
        "file_name": f"{job.id}.mp4" if completed else None,
        "inference_time_s": round(job.render_seconds, 3) if completed else None,
        "stage_durations": {},
        "peak_memory_mb": 0.0,
    }


def _sglang(profile: Profile, job: SimVideo) -> dict:
    """SGLang diffusion's VideoResponse (python/sglang/multimodal_gen/runtime/entrypoints/openai/protocol.py).

    No ``prompt``; ``completed_at`` is set on success only; a failure is ``error: {"message"}``.
    """
    return {
        "id": job.id,
        "object": "video",
        "model": job.model,
        "status": status_word(profile, job),
        "progress": 100 if job.status == COMPLETED else 0,
        "created_at": job.created_at,
        "size": job.size,
        "seconds": job.seconds,
        "quality": "standard",
        "url": None,
        "remixed_from_video_id": None,
        "completed_at": job.completed_at if job.status == COMPLETED else None,
        "expires_at": None,
        "error": {"message": job.error_message} if job.status == FAILED else None,
        # the server's own output path (it keeps files under outputs/ by default)
        "file_path": f"/sgl-workspace/outputs/{job.id}.mp4",
        "peak_memory_mb": None,
        "inference_time_s": None,
    }
