"""Prompt search (videos/search.py) and the indexes of the galleries' orders (plans in bench/README.md).

- SQLite: an FTS5 table over the prompts, external content (the prompts are not stored twice), kept in step by
  triggers, filled from the existing rows. A SQLite built without FTS5 gets nothing (search falls back to a scan).
- PostgreSQL: a GIN index on to_tsvector('simple', prompt).
"""

from __future__ import annotations

from django.db import migrations, models

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE videos_video_fts USING fts5(prompt, content='videos_video', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER videos_video_fts_insert AFTER INSERT ON videos_video BEGIN "
    "INSERT INTO videos_video_fts(rowid, prompt) VALUES (new.id, new.prompt); END",
    "CREATE TRIGGER videos_video_fts_delete AFTER DELETE ON videos_video BEGIN "
    "INSERT INTO videos_video_fts(videos_video_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt); END",
    "CREATE TRIGGER videos_video_fts_update AFTER UPDATE OF prompt ON videos_video BEGIN "
    "INSERT INTO videos_video_fts(videos_video_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt); "
    "INSERT INTO videos_video_fts(rowid, prompt) VALUES (new.id, new.prompt); END",
    "INSERT INTO videos_video_fts(videos_video_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS videos_video_fts_insert",
    "DROP TRIGGER IF EXISTS videos_video_fts_delete",
    "DROP TRIGGER IF EXISTS videos_video_fts_update",
    "DROP TABLE IF EXISTS videos_video_fts",
]
POSTGRES_FTS = [
    "CREATE INDEX IF NOT EXISTS videos_prompt_fts_idx ON videos_video USING gin (to_tsvector('simple', prompt))",
]
POSTGRES_FTS_DROP = ["DROP INDEX IF EXISTS videos_prompt_fts_idx"]


def _sqlite_has_fts5(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.videos_fts5_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp.videos_fts5_probe")
        return True
    except Exception:
        return False


def create_search(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and _sqlite_has_fts5(cursor):
            statements = SQLITE_FTS
        elif connection.vendor == "postgresql":
            statements = POSTGRES_FTS
        else:
            return
        for sql in statements:
            cursor.execute(sql)


def drop_search(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_FTS_DROP, "postgresql": POSTGRES_FTS_DROP}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("videos", "0010_video_lengths_up_to_120")]

    operations = [
        migrations.RunPython(create_search, drop_search),
        migrations.AddIndex(
            model_name="video",
            index=models.Index(fields=["-estimated_cost", "-created_at", "-id"], name="videos_by_cost_idx"),
        ),
        migrations.AddIndex(
            model_name="video",
            index=models.Index(fields=["-seconds", "-created_at", "-id"], name="videos_by_length_idx"),
        ),
        migrations.AddIndex(
            model_name="video",
            index=models.Index(
                condition=models.Q(("remixed_from__isnull", False)),
                fields=["remixed_from", "created_at"],
                name="videos_remixes_idx",
            ),
        ),
    ]
