"""What the multi-worker test (test_multiworker.py) runs inside the studio's own environment, as a separate process
(`python -c "... scale_script.<step>(...)"` with the studio's DATABASE_URL, REDIS_URL and S3 settings): set-up
through the studio's own services and commands, the submissions, and the final account read back from the
database, the simulator and the bucket. Each step prints one JSON line."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from decimal import Decimal

PROVIDER_B = "sim-b"
USERS = ("ana", "ben", "cai", "dia")


def setup(caps: dict[str, int], base_url: str) -> None:
    """Four members of one project, a site-wide quota rule (so the ledger has usage rows to check), and two providers
    with their own in-flight caps: the built-in simulator, and a second provider served by the same simulator
    under another key (the simulator counts each key's jobs apart)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from accounts.actors import Actor
    from accounts.models import Membership
    from accounts.services import project_create
    from providers.models import Provider
    from quotas.models import QuotaRule

    call_command("setup_schedules", verbosity=0)
    User = get_user_model()
    users = [User.objects.create_user(username=name, email=f"{name}@example.com", password="x") for name in USERS]
    project = project_create(actor=Actor.of_user(users[0]), name="Scale out")
    for user in users[1:]:
        Membership.objects.create(user=user, project=project, role=Membership.Role.EDITOR)
    QuotaRule.objects.create(period=QuotaRule.Period.MONTH, max_videos=1000, max_spend=Decimal(1000), note="site")
    Provider.objects.filter(slug=Provider.SIMULATOR_SLUG).update(max_in_flight=caps[Provider.SIMULATOR_SLUG])
    call_command(
        "provider", "add", PROVIDER_B, "--name", "Simulator B", "--base-url", base_url, "--key-env", "PROVIDER_SIMB_KEY",
        "--max-in-flight", str(caps[PROVIDER_B]), verbosity=0,
    )  # fmt: skip
    call_command("provider", "model", PROVIDER_B, "sora-2", "--sizes", "1280x720=0.10", "--seconds", "4", verbosity=0)
    print(json.dumps({"project": str(project.public_id), "users": len(users)}))


def submit(count: int) -> None:
    """`count` videos, round-robin over the four members and the two providers, as the create form submits them."""
    from django.contrib.auth import get_user_model

    from accounts.actors import Actor
    from accounts.models import Project
    from providers.models import Provider
    from videos import services

    project = Project.objects.get(name="Scale out")
    users = list(get_user_model().objects.filter(username__in=USERS).order_by("username"))
    models = [f"{Provider.SIMULATOR_SLUG}:sora-2", f"{PROVIDER_B}:sora-2"]
    for i in range(count):
        services.video_submit(
            actor=Actor.of_user(users[i % len(users)]), project=project, prompt=f"Shot {i:03d}: a kite over the bay",
            model=models[i % 2], size="1280x720", seconds=4,
        )  # fmt: skip
    print(json.dumps({"submitted": count}))


def account() -> None:
    """Everything the test checks at the end, read by the studio's own code: videos, assets (with the bucket's own
    copy of each file hashed), the simulator's jobs, the quota ledger and django-q2's failed tasks."""
    from django.core.files.storage import default_storage
    from django.db.models import Count
    from django_q.models import Failure

    from assets.models import Asset
    from quotas.models import QuotaCharge, QuotaUsage
    from videos.models import Video
    from videos.sora.simulator.models import SimVideo

    videos = list(Video.objects.select_related("provider").order_by("id"))
    statuses = Counter(v.status for v in videos)
    failures = [f"{v.public_id}: {v.error_code} {v.error_message}" for v in videos if v.status == Video.Status.FAILED]

    # Assets: each file as the bucket holds it now, hashed.
    assets = []
    for asset in Asset.objects.order_by("id"):
        digest, size = hashlib.sha256(), 0
        with default_storage.open(asset.file.name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        assets.append({"video": asset.video_id, "kind": asset.kind, "name": asset.file.name, "sha256": asset.sha256,
                       "bytes": asset.bytes, "stored_sha256": digest.hexdigest(), "stored_bytes": size})  # fmt: skip

    # The simulator's jobs: how many each studio video has, and the checksum of the MP4 the simulator made.
    jobs = defaultdict(list)
    for job in SimVideo.objects.all():
        jobs[job.id].append(job)
    upstream = {}
    for video in videos:
        made = jobs.get(video.upstream_id or "", [])
        mp4 = None
        if made:
            from pathlib import Path

            path = Path(made[0].media_dir) / "video.mp4"
            mp4 = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
        upstream[video.id] = {"jobs": len(made), "mp4_sha256": mp4}
    linked = {v.upstream_id for v in videos if v.upstream_id}
    orphans = [job_id for job_id in jobs if job_id not in linked]

    # The quota ledger.
    charges = Counter((c.item_id, c.state) for c in QuotaCharge.objects.all())
    cost = {v.id: v.estimated_cost for v in videos}
    usage = [
        {"user": u.user_id, "videos": u.videos, "reserved": u.spend_reserved_micros, "settled": u.spend_settled_micros}
        for u in QuotaUsage.objects.all()
    ]
    settled_by_user = defaultdict(int)
    count_by_user = Counter()
    for v in videos:
        count_by_user[v.owner_id] += 1
        if v.status == Video.Status.COMPLETED:
            settled_by_user[v.owner_id] += int(cost[v.id] * 1_000_000)

    print(json.dumps({
        "statuses": dict(statuses),
        "failures": failures,
        "videos": [{"id": v.id, "provider": v.provider.slug, "upstream_id": v.upstream_id, "attempts": v.attempts,
                    "status": v.status} for v in videos],
        "assets": assets,
        "assets_per_video": dict(Counter(a["video"] for a in assets)),
        "upstream": upstream,
        "orphan_jobs": orphans,
        "sim_jobs": SimVideo.objects.count(),
        "sim_jobs_per_key": sorted(SimVideo.objects.values("key_hash").annotate(n=Count("seq")).values_list("n", flat=True)),
        "charges": [[item, state, n] for (item, state), n in charges.items()],
        "usage": usage,
        "expected_usage": {str(u): {"videos": count_by_user[u], "settled": settled_by_user[u]} for u in count_by_user},
        "failed_tasks": [f"{f.func}: {str(f.result)[:300]}" for f in Failure.objects.all()],
    }, default=str))  # fmt: skip
