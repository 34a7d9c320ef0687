"""Fair scheduling: which waiting videos get the free upstream slots.

Round-robin by user: everyone with waiting videos gets one slot before anyone gets a second, and users with fewer
jobs in flight (then: who started something least recently) go first. So one member's batch of 50 can't starve
another member's single video.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from videos.models import Video

Status = Video.Status


def pick_fairly(
    *,
    free_slots: int,
    provider=None,
    now: datetime | None = None,
    user_cap: Callable[[Video], int | None] = lambda v: None,
) -> list[int]:
    """Ids of the pending videos (of one provider, when given) to start now, at most `free_slots`, round-robin by
    owner.

    `user_cap(video)` gives the owner's own limit of jobs in flight for that video (None: no limit of its own).
    """
    if free_slots <= 0:
        return []
    now = now or timezone.now()
    ready = (
        Q(status=Status.PENDING, deleted_at__isnull=True)
        & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        & (Q(provider=provider) if provider is not None else Q())
    )
    # Nobody can get more than `free_slots` videos started, so only each owner's oldest `free_slots` are loaded
    # (a member's queue of 10,000 costs no more than a queue of 4).
    waiting = list(
        Video.objects.filter(ready)
        .annotate(
            place=Window(RowNumber(), partition_by=[F("owner_id")], order_by=[F("created_at").asc(), F("id").asc()])
        )
        .filter(place__lte=free_slots)
        .order_by("created_at", "id")
        .select_related("project", "owner")
    )
    if not waiting:
        return []
    owners = {v.owner_id for v in waiting}
    stats = {
        row["owner_id"]: row
        for row in Video.objects.filter(owner_id__in=owners)
        .values("owner_id")
        .annotate(in_flight=Count("id", filter=Q(status__in=Video.IN_FLIGHT)), last_start=Max("submitted_at"))
    }
    queues: dict[int, list[Video]] = defaultdict(list)
    for video in waiting:
        queues[video.owner_id].append(video)
    epoch = datetime.min.replace(tzinfo=now.tzinfo)

    def turn_order(owner_id: int):
        row = stats.get(owner_id, {})
        return (row.get("in_flight", 0), row.get("last_start") or epoch, queues[owner_id][0].created_at)

    in_flight = {owner: stats.get(owner, {}).get("in_flight", 0) for owner in queues}
    caps: dict[tuple[int, int], int | None] = {}  # a cap depends on owner and project: ask once per pair

    def cap_for(video: Video) -> int | None:
        key = (video.owner_id, video.project_id)
        if key not in caps:
            caps[key] = user_cap(video)
        return caps[key]

    chosen: list[int] = []
    order = sorted(queues, key=turn_order)
    while len(chosen) < free_slots and order:
        still_waiting = []
        for owner in order:
            if len(chosen) >= free_slots:
                break
            video = queues[owner].pop(0)
            cap = cap_for(video)
            if cap is not None and in_flight[owner] >= cap:
                continue  # this owner is at their own limit: their videos wait, others go on
            chosen.append(video.id)
            in_flight[owner] += 1
            if queues[owner]:
                still_waiting.append(owner)
        order = still_waiting
    return chosen
