"""An installation from before the seams keeps all its data through the migrations: providers made from its model
registry, every video given its provider, operation, maker and upstream key, its files turned into assets, its
quota ledger moved into the quotas app. Run in a fresh process on a scratch database of the engine under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r'''
import hashlib, json
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = [("accounts", "0001_initial"), ("videos", "0004_video_deleted_at")]
executor = MigrationExecutor(connection)
executor.migrate(OLD)
apps = executor.loader.project_state(OLD).apps
User = apps.get_model("accounts", "User")
Project = apps.get_model("accounts", "Project")
Membership = apps.get_model("accounts", "Membership")
SoraModel = apps.get_model("videos", "SoraModel")
Video = apps.get_model("videos", "Video")
QuotaRule = apps.get_model("videos", "QuotaRule")
QuotaUsage = apps.get_model("videos", "QuotaUsage")
QuotaCharge = apps.get_model("videos", "QuotaCharge")
WebhookEvent = apps.get_model("videos", "WebhookEvent")

alice = User.objects.create(username="alice", password="x")
project = Project.objects.create(name="Launch film")
Membership.objects.create(user=alice, project=project, role="owner")
SoraModel.objects.create(name="partner-model", label="Partner", prices={"1280x720": "0.20"}, seconds=["4"],
                         base_url="https://partner.example/v1", api_key_env="PROVIDER_PARTNER_KEY")
common = dict(project=project, owner=alice, size="1280x720", seconds=4)
parent = Video.objects.create(prompt="parent", model="sora-2", status="completed", upstream_id="video_parent",
                              video_file="videos/2026/11/p.mp4", video_bytes=1234, video_sha256="a" * 64,
                              thumbnail_file="thumbnails/2026/11/p.webp", thumbnail_bytes=56, thumbnail_sha256="b" * 64,
                              input_reference="references/2026/11/ref.png", input_fit="cover", **common)
child = Video.objects.create(prompt="child", model="sora-2", status="in_progress", upstream_id="video_child",
                             remixed_from=parent, **common)
waiting = Video.objects.create(prompt="waiting", model="partner-model", status="pending",
                               lease_until="2030-01-01T00:00:00Z", **common)
rule = QuotaRule.objects.create(user=alice, period="month", max_videos=10)
usage = QuotaUsage.objects.create(rule=rule, user=alice, period_start="2026-11-01T00:00:00Z", videos=2)
kept = QuotaCharge.objects.create(video=parent, user=alice, project=project, model="sora-2", seconds=4,
                                  cost_micros=400000, state="settled")
kept.usages.add(usage)
orphan = QuotaCharge.objects.create(video=None, user=alice, project=project, model="sora-2", seconds=4,
                                    cost_micros=400000, state="refunded")
WebhookEvent.objects.create(webhook_id="wh_1", event_type="video.completed", upstream_id="video_parent")

executor = MigrationExecutor(connection)
executor.migrate(executor.loader.graph.leaf_nodes())

from assets.models import Asset
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge as Charge, QuotaRule as Rule
from videos.models import Video as V, WebhookEvent as Event

def video(prompt):
    return V.objects.get(prompt=prompt)

print(json.dumps({
    "providers": sorted(Provider.objects.values_list("slug", "kind", "base_url", "api_key_env")),
    "models": sorted(ProviderModel.objects.values_list("provider__slug", "name")),
    "videos": {p: [video(p).provider.slug, video(p).operation, video(p).created_by_id == alice.id,
                   video(p).upstream_key, video(p).retry_at is not None, video(p).lease_until]
               for p in ("parent", "child", "waiting")},
    "expected_key": hashlib.sha256(b"video_parent").hexdigest(),
    "assets": sorted(Asset.objects.filter(video__prompt="parent").values_list("kind", "file", "bytes", "sha256", "origin")),
    "charges": sorted(Charge.objects.values_list("item_type", "item_id", "state", "cost_micros")),
    "charge_usages": list(Charge.objects.get(item_id=parent.id).usages.values_list("videos", flat=True)),
    "parent_id": parent.id, "orphan_id": orphan.id,
    "rules": list(Rule.objects.values_list("max_videos", flat=True)),
    "tables": sorted(t for t in connection.introspection.table_names() if "quota" in t),
    "webhook_provider": Event.objects.get().provider.slug,
}, default=str))
'''


def _scratch_database() -> tuple[dict[str, str], callable]:
    """A fresh database of the engine this run uses: a SQLite file, or a new PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return {}, lambda: None
    import psycopg

    name = f"sora_migration_test_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}, drop


def test_an_installation_from_before_the_seams_keeps_all_its_data(tmp_path):
    env_db, drop = _scratch_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL", "REDIS_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path / "data"), **env_db})
    try:
        result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=300)  # fmt: skip
    finally:
        drop()
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["providers"] == [
        ["partner-example", "remote", "https://partner.example/v1", "PROVIDER_PARTNER_KEY"],
        ["simulator", "simulator", "", ""],
    ]
    assert ["partner-example", "partner-model"] in out["models"] and ["simulator", "sora-2"] in out["models"]
    assert out["videos"]["parent"] == ["simulator", "create", True, out["expected_key"], False, None]
    assert out["videos"]["child"][:3] == ["simulator", "remix", True]
    waiting = out["videos"]["waiting"]  # its lease meant "not before": now a retry time, and no lease
    assert waiting[0] == "partner-example" and waiting[4] is True and waiting[5] is None
    assert out["assets"] == [
        ["reference", "references/2026/11/ref.png", None, "", "upload"],
        ["thumbnail", "thumbnails/2026/11/p.webp", 56, "b" * 64, "provider"],
        ["video", "videos/2026/11/p.mp4", 1234, "a" * 64, "provider"],
    ]
    assert out["charges"] == sorted([
        ["videos.video", out["parent_id"], "settled", 400000],
        ["videos.video", -out["orphan_id"], "refunded", 400000],
    ])  # fmt: skip
    assert out["charge_usages"] == [2] and out["rules"] == [10]
    assert out["tables"] == ["quotas_quotacharge", "quotas_quotacharge_usages", "quotas_quotagrant",
                             "quotas_quotarule", "quotas_quotausage"]  # fmt: skip
    assert out["webhook_provider"] == "simulator"
