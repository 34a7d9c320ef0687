"""Prompt search: the database's own full-text index, word prefixes ("kit" finds "kite"), every word must match.

- PostgreSQL: a GIN index on `to_tsvector('simple', prompt)` (migration 0011), asked with `to_tsquery` prefixes.
- SQLite: an FTS5 table over the prompts (`videos_video_fts`, external content), kept in step by triggers
  (migration 0011), asked with MATCH.
- Anywhere else, or when the index is missing (a SQLite built without FTS5), or for text without any word
  character: `icontains` (a scan, still correct).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL


class _TextMatch(Func):
    """to_tsvector('simple', <column>) @@ to_tsquery('simple', <query>): the expression of the GIN index."""

    template = "to_tsvector('simple', %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple', "
    output_field = BooleanField()


WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
FTS_TABLE = "videos_video_fts"

_fts_ready: dict[str, bool] = {}


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())[:MAX_WORDS]


def sqlite_fts_ready() -> bool:
    """Whether this SQLite database has the FTS table (checked once per database file)."""
    name = str(connection.settings_dict["NAME"])
    if name not in _fts_ready:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
            _fts_ready[name] = cursor.fetchone() is not None
    return _fts_ready[name]


def matching(qs: QuerySet, text: str) -> QuerySet:
    """`qs` (videos) narrowed to the prompts containing every word of `text` (as words or word prefixes)."""
    found = words(text)
    if not found:
        return qs.filter(prompt__icontains=text)
    if connection.vendor == "postgresql":
        return qs.filter(_TextMatch(F("prompt"), Value(" & ".join(f"{w}:*" for w in found))))
    if connection.vendor == "sqlite" and sqlite_fts_ready():
        query = " ".join(f'"{w}"*' for w in found)
        return qs.filter(id__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query]))
    condition = Q()
    for w in found:
        condition &= Q(prompt__icontains=w)
    return qs.filter(condition)
