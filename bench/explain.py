"""The query plans of a page's queries, on the bench database of a given size (bench/pages.py builds it).

    DATABASE_URL=sqlite:///data/bench/bench_100000.sqlite3 .venv/bin/python bench/explain.py 100000 gallery
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sora_bench_100000 .venv/bin/python bench/explain.py 100000 search

Prints each query of one request with its plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) and
its time. Page names are bench/pages.py's.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATA_DIR", str(Path(__file__).resolve().parent.parent / "data" / "bench"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

import pages  # noqa: E402


def main() -> None:
    size, names = int(sys.argv[1]), sys.argv[2:]
    pages.setup_django()
    pages.prepare(size, print)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = pages.Pages()
    for name in names or list(site.urls):
        site.get(name)
        with CaptureQueriesContext(connection) as ctx:
            site.get(name)
        print(f"==== {name}: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            sql = q["sql"]
            print(f"-- {q['time']} s: {sql[:600]}")
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    for row in cursor.fetchall():
                        print("   ", row[-1])
                else:
                    started = time.perf_counter()
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
                    for (line,) in cursor.fetchall():
                        print("   ", line)
                    print(f"    ({(time.perf_counter() - started) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
