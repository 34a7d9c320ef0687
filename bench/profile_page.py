"""Where one page's milliseconds go: cProfile over a few requests of a page, on the bench database of a given size
(bench/pages.py builds it), the time grouped by what spent it.

    DATABASE_URL=sqlite:///data/bench/bench_100000.sqlite3 .venv/bin/python bench/profile_page.py 100000 gallery
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sora_bench_100000 .venv/bin/python bench/profile_page.py \\
        100000 gallery floor --requests 20

For each page: the mean time of a request without and with the profiler, then each group's share of the profiled
time (own time of the functions in it: the database driver, the ORM building and compiling SQL, templates, forms
and widgets, the rest of Django, the studio's own code, the rest), and the functions with the most own time.
Page names are bench/pages.py's. Prints numbers, never fails.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATA_DIR", str(Path(__file__).resolve().parent.parent / "data" / "bench"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

import pages  # noqa: E402

ROOT = str(Path(__file__).resolve().parent.parent)
GROUPS = [  # (group, test on the function's file and name), first match wins
    ("database driver (execute, fetch)", lambda f, n: "sqlite3" in f or "psycopg" in f or "/django/db/backends/" in f
     or f == "~" and any(word in n for word in ("execute", "fetchmany", "fetchall", "fetchone"))),
    ("ORM: querysets, SQL compiling, rows to objects", lambda f, n: "/django/db/" in f),
    ("templates", lambda f, n: "/django/template/" in f or "/django/templatetags/" in f),
    ("forms and widgets", lambda f, n: "/django/forms/" in f),
    ("admin", lambda f, n: "/django/contrib/admin/" in f),
    ("rest of Django (request, middleware, sessions, URLs, utils)", lambda f, n: "/django/" in f),
    ("the studio's own code", lambda f, n: f.startswith(ROOT) and "/.venv" not in f),
]  # fmt: skip


def group_of(filename: str, name: str) -> str:
    for label, test in GROUPS:
        if test(filename, name):
            return label
    return "Python, C built-ins and other libraries"


def profile(site, page: str, requests: int, top: int) -> list[str]:
    site.get(page)  # warm
    started = time.perf_counter()
    for _ in range(requests):
        site.get(page)
    plain = (time.perf_counter() - started) * 1000 / requests
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        site.get(page)
    profiler.disable()
    profiled = (time.perf_counter() - started) * 1000 / requests
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, _line, name), (_cc, _nc, tottime, _cum, _callers) in stats.stats.items():
        groups[group_of(filename, name)] += tottime
        rows.append((tottime, f"{Path(filename).name if filename != '~' else ''}:{name}"))
    total = sum(groups.values()) or 1.0
    out = [
        f"==== {page}: {plain:.1f} ms a request ({profiled:.1f} ms profiled), {requests} requests",
        "",
        "| spent in | share | ms a request (profiled) |",
        "|---|---|---|",
    ]
    for label, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        out.append(f"| {label} | {seconds / total:.0%} | {seconds * 1000 / requests:.1f} |")
    out += ["", "Most own time:"]
    for tottime, where in sorted(rows, reverse=True)[:top]:
        out.append(f"    {tottime * 1000 / requests:6.2f} ms  {where}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", type=int)
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pages.ensure_postgres_database(os.environ["DATABASE_URL"])
    pages.setup_django()
    pages.prepare(args.size, print)
    site = pages.Pages()
    for name in args.pages or list(site.urls):
        print("\n".join(profile(site, name, args.requests, args.top)), flush=True)
        print()


if __name__ == "__main__":
    main()
