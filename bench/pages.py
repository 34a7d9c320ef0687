"""One benchmark worker: a studio database of N videos (built once, then reused) and timed page requests.

Run by bench/run.py, one process per (database, size), so every figure and its reference are measured in the same
run, interleaved. It speaks JSON lines on stdin/stdout:

    {"cmd": "time", "page": "gallery", "n": 5}  ->  {"ms": [..5 timings..]}
    {"cmd": "queries", "page": "gallery"}       ->  {"queries": 7, "status": 200}

The database (`DATABASE_URL`, a SQLite file or a PostgreSQL database) is filled by bulk inserts: users, projects,
memberships, videos with their thumbnail and video assets, and their quota charges, all as the studio would have
them. A database already holding the asked number of videos is reused (migrations are applied first).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "a paper boat drifts on a rain puddle under neon signs while a cat watches from a window ledge at dusk the "
    "camera slowly dollies forward golden hour light soft focus wide shot close up handheld aerial drone view of a "
    "foggy forest river mountain city street market desert ocean wave lantern festival robot dancer violin bicycle "
    "train station snow storm sunrise sunset candle kitchen chef astronaut garden fox owl horse whale jellyfish "
    "skateboard umbrella bridge tunnel library clock tower carnival"
).split()
RARE = "lighthouse"  # in about 1 % of the prompts: what the search page asks for
PER_PAGE = 24
BATCH = 5000


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Static files by name (production's manifest needs `collectstatic` first; a lookup either way).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE for a bench database that does not exist yet (only the one named in the URL)."""
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _prompt(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    if rng.random() < 0.01:
        words.insert(rng.randrange(len(words)), RARE)
    return " ".join(words).capitalize() + "."


def build(size: int, log) -> None:
    """Fill an empty studio database with `size` videos (and what comes with them), in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Project, User
    from assets.models import Asset
    from providers.models import Provider
    from quotas.models import QuotaCharge
    from videos.models import Video

    rng = random.Random(size)
    now = timezone.now()
    provider = Provider.objects.get(slug=Provider.SIMULATOR_SLUG)
    with transaction.atomic():
        bench = User.objects.create(username="bench", email="bench@example.com", is_staff=True, is_superuser=True)
        bench.set_unusable_password()
        bench.save()
        others = User.objects.bulk_create(
            [User(username=f"member{i:02}", email=f"member{i:02}@example.com", password="!") for i in range(19)]
        )
        projects = Project.objects.bulk_create([Project(name=f"Project {i}") for i in range(10)])
        memberships = []
        members_of: dict[int, list[User]] = {}
        for i, project in enumerate(projects):
            # The bench user is in 8 of the 10 projects: the visibility join has rows to skip.
            crew = ([bench] if i < 8 else []) + rng.sample(others, 5)
            members_of[project.id] = crew
            memberships += [Membership(user=u, project=project, role=Membership.Role.OWNER) for u in crew]
        Membership.objects.bulk_create(memberships)
    # created_at is auto_now_add: switched off while the rows get their own past dates.
    field = Video._meta.get_field("created_at")
    field.auto_now_add = False
    charge_field = QuotaCharge._meta.get_field("created_at")
    charge_field.auto_now_add = False
    span = timedelta(days=120).total_seconds()
    made = 0
    try:
        while made < size:
            count = min(BATCH, size - made)
            videos = []
            for j in range(count):
                k = made + j
                project = projects[k % len(projects)]
                owner = rng.choice(members_of[project.id])
                # Newest last: rows arrive in time order, as a real studio's do; the last 20 are still rendering.
                created = now - timedelta(seconds=span * (size - k) / size)
                unfinished = k >= size - 20
                seconds = rng.choice((4, 8, 12))
                model = rng.choice(("sora-2", "sora-2-pro"))
                videos.append(
                    Video(
                        project=project,
                        owner=owner,
                        created_by=owner,
                        provider=provider,
                        prompt=_prompt(rng),
                        model=model,
                        size="1280x720",
                        seconds=seconds,
                        status=Video.Status.IN_PROGRESS if unfinished else Video.Status.COMPLETED,
                        progress=rng.randint(1, 99) if unfinished else 100,
                        upstream_id=f"video_{uuid.uuid4().hex}",
                        estimated_cost=Decimal("0.10") * seconds * (3 if model == "sora-2-pro" else 1),
                        created_at=created,
                        submitted_at=created,
                        completed_at=None if unfinished else created + timedelta(seconds=40),
                        archived_at=None if unfinished else created + timedelta(seconds=45),
                    )  # fmt: skip
                )
            with transaction.atomic():
                Video.objects.bulk_create(videos)
                assets = []
                charges = []
                for v in videos:
                    if v.status == Video.Status.COMPLETED:
                        for kind, ext, ctype in (("video", "mp4", "video/mp4"), ("thumbnail", "webp", "image/webp")):
                            assets.append(
                                Asset(
                                    video=v,
                                    kind=kind,
                                    file=f"videos/{v.public_id}/{kind}.{ext}",
                                    content_type=ctype,
                                    bytes=1000,
                                    sha256="0" * 64,
                                    origin="provider",
                                    provider=provider,
                                )  # fmt: skip
                            )
                    charges.append(
                        QuotaCharge(
                            item_id=v.id,
                            user_id=v.owner_id,
                            project_id=v.project_id,
                            model=v.model,
                            seconds=v.seconds,
                            cost_micros=int(v.estimated_cost * 1_000_000),
                            created_at=v.created_at,
                            state=QuotaCharge.State.RESERVED
                            if v.status != Video.Status.COMPLETED
                            else QuotaCharge.State.SETTLED,
                        )  # fmt: skip
                    )
                Asset.objects.bulk_create(assets)
                QuotaCharge.objects.bulk_create(charges)
            made += count
            log(f"  {made:,} / {size:,} videos")
    finally:
        field.auto_now_add = True
        charge_field.auto_now_add = True


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def prepare(size: int, log) -> None:
    from django.core.management import call_command

    from videos.models import Video

    call_command("migrate", verbosity=0, interactive=False)
    have = Video.objects.count()
    if have == size:
        return
    if have:
        raise SystemExit(f"this bench database has {have} videos, not {size}: remove it and run again")
    started = time.perf_counter()
    log(f"building a {size:,}-video database (once; it is reused afterwards)")
    build(size, log)
    analyze()
    log(f"  built in {time.perf_counter() - started:.0f} s")


class Pages:
    """The pages measured, as URLs for the bench user (found once, from the data)."""

    def __init__(self) -> None:
        from django.test import Client
        from django.urls import reverse

        from accounts.models import User
        from videos.models import Video

        self.user = User.objects.get(username="bench")
        self.client = Client()
        self.client.force_login(self.user)
        mine = Video.objects.filter(project__memberships__user=self.user)
        newest = mine.filter(status=Video.Status.COMPLETED).order_by("-id").first()
        live = list(mine.order_by("-id")[:PER_PAGE])
        project = newest.project
        ids = ",".join(str(v.public_id) for v in live)
        # A page's poll: it knows every video's state, and 2 of the 24 have moved since its last poll.
        known = ",".join(f"{v.public_id}:{v.status}:{v.progress - (1 if i < 2 else 0)}" for i, v in enumerate(live))
        self.urls = {
            "floor": reverse("password_change_done"),
            "gallery": reverse("videos:gallery"),
            "gallery, last page": reverse("videos:gallery") + "?page=last",
            "project gallery": reverse("videos:project-gallery", args=[project.public_id]),
            "search": reverse("videos:gallery") + f"?q={RARE}",
            "video page": reverse("videos:detail", args=[newest.public_id]),
            "admin videos": reverse("admin:videos_video_changelist"),
            "admin videos, search": reverse("admin:videos_video_changelist") + f"?q={RARE}",
            "usage report": reverse("admin:quotas_usage_report"),
            "live progress": reverse("videos:status") + f"?ids={ids}&cards=1&show_project=1&known={known}",
        }

    def get(self, page: str):
        response = self.client.get(self.urls[page])
        if response.status_code != 200:
            raise RuntimeError(f"{page}: {response.status_code}")
        return response

    def time(self, page: str, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t = time.perf_counter()
            self.get(page)
            out.append((time.perf_counter() - t) * 1000)
        return out

    def queries(self, page: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.get(page)
        return len(ctx.captured_queries)


def main() -> None:
    size = int(sys.argv[1])
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    setup_django()
    prepare(size, log)
    pages = Pages()
    for page in pages.urls:  # warm: templates compiled, caches filled, connections open
        try:
            pages.get(page)
        except Exception as exc:  # reported again when asked
            log(f"{page}: {exc}")
    print(json.dumps({"ready": True, "pages": list(pages.urls)}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        try:
            if ask["cmd"] == "time":
                answer = {"ms": pages.time(ask["page"], ask.get("n", 5))}
            elif ask["cmd"] == "queries":
                answer = {"queries": pages.queries(ask["page"])}
            else:
                answer = {"error": f"unknown command {ask['cmd']}"}
        except Exception as exc:  # a benchmark reports, it does not stop
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
