"""Reads for storyboards. Everything starts from a project the caller may see (storyboards/access.py), so nothing
here can reach another team's board."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet

from accounts.models import Project
from characters.models import Character
from storyboards.models import FinalCut, Shot, Storyboard, Take
from videos.models import Video


def storyboards_of(project: Project) -> QuerySet[Storyboard]:
    return Storyboard.objects.filter(project=project).order_by("-updated_at", "-id")


def shots_with_takes(storyboard: Storyboard) -> list[Shot]:
    """The board's shots in order, each with its characters and its takes (and their videos and files) loaded."""
    takes = Take.objects.select_related("video", "video__provider", "parent").prefetch_related("video__assets")
    takes = takes.annotate(review_state=F("video__review__state"))  # reviews/: an approved take's badge, joined
    return list(
        storyboard.shots.order_by("position").prefetch_related(
            Prefetch("takes", queryset=takes.order_by("number")),
            Prefetch("characters", queryset=Character.objects.select_related("thumbnail").order_by("name", "id")),
        )
    )


def adoptable_children(shots: list[Shot]) -> dict[int, list[Video]]:
    """Per shot id: the remixes, edits and extensions of its takes made on their video pages, not yet its takes."""
    take_videos: dict[int, int] = {}
    for shot in shots:
        for take in shot.takes.all():
            if take.video_id:
                take_videos.setdefault(take.video_id, shot.id)
    out: dict[int, list[Video]] = {}
    if not take_videos:
        return out
    taken = {(t.shot_id, t.video_id) for shot in shots for t in shot.takes.all()}
    children = Video.objects.filter(remixed_from_id__in=list(take_videos), deleted_at__isnull=True).order_by(
        "created_at"
    )
    for video in children:
        for shot in shots:
            if (shot.id, video.id) in taken:
                continue
            if any(t.video_id == video.remixed_from_id for t in shot.takes.all()):
                out.setdefault(shot.id, []).append(video)
    return out


def takes_by_id(storyboard: Storyboard, public_ids: list[str]) -> list[Take]:
    return list(
        Take.objects.filter(shot__storyboard=storyboard, public_id__in=public_ids)
        .select_related("video", "video__provider", "shot", "shot__storyboard", "parent")
        .prefetch_related("video__assets")
    )


def takes_of_video(video: Video) -> list[Take]:
    """Where a video is a take (a storyboard's shot), for its page's link back to the board."""
    return list(
        Take.objects.filter(video=video, shot__storyboard__project=video.project_id)
        .select_related("shot", "shot__storyboard")
        .order_by("shot__storyboard__title", "shot__position")
    )


def cuts_of(storyboard: Storyboard) -> QuerySet[FinalCut]:
    return storyboard.cuts.order_by("-number").select_related("thumbnail")


@dataclass
class CutPlan:
    chosen: list[tuple[Shot, Take]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def cut_plan(storyboard: Storyboard) -> CutPlan:
    """The chosen take of every shot, in order, and what stops them from being cut now: no shots, a shot without a
    chosen take, a chosen take deleted, unfinished or without its file, takes of different sizes."""
    plan = CutPlan()
    shots = shots_with_takes(storyboard)
    if not shots:
        plan.problems.append("The storyboard has no shots yet.")
        return plan
    for shot in shots:
        take = next((t for t in shot.takes.all() if t.is_chosen), None)
        label = f"Shot {shot.position}"
        if take is None:
            plan.problems.append(f"{label} has no chosen take: choose one of its takes (or generate one).")
            continue
        label = f"{label}'s chosen take (take {take.number})"
        if take.is_gone:
            plan.problems.append(f"{label} was deleted. Choose another take.")
            continue
        video = take.video
        if video.status != Video.Status.COMPLETED or "video" not in video.asset_map:
            plan.problems.append(f"{label} has no finished video.")
            continue
        asset = video.asset_map["video"]
        if not asset.file.storage.exists(asset.file.name):
            plan.problems.append(f"{label}: its MP4 is missing from the studio's storage. Choose another take.")
            continue
        plan.chosen.append((shot, take))
    sizes = {take.video.size for _shot, take in plan.chosen}
    if len(sizes) > 1:
        listed = ", ".join(f"shot {shot.position} is {take.video.size}" for shot, take in plan.chosen)
        plan.problems.append(f"The chosen takes have different sizes ({listed}); a cut needs one size.")
    if not plan.problems and not plan.chosen:
        plan.problems.append("No shot has a chosen take.")
    return plan
