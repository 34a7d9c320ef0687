"""The studio's benchmarks in one command: prints a table of each figure beside its reference and their ratio.

    .venv/bin/python bench/run.py             # every benchmark, 5 rounds
    .venv/bin/python bench/run.py --quick     # 3 rounds of 3 requests
    .venv/bin/python bench/run.py --only pages --no-postgres

Pages: one worker process per (database, size) (bench/pages.py) holds a studio database of 100 and of 100,000
videos, on SQLite and on PostgreSQL (`BENCH_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/sora_bench;
each size gets its own database, `<name>_<size>`, created when missing and reused afterwards). Every page is asked
of every worker in turn, round after round, so a figure and its reference share the machine's noise; each cell is
the median over the rounds of the median of a round's requests. "Floor" is the cheapest logged-in page there is:
Django's "password changed" page, which renders base.html with 2 queries (the session and the user).

Polling (bench/polling.py: the simulator's clock driving the studio's schedule), archiving (bench/archive.py: the
studio's archive step beside plain `requests`, on local storage and S3, with peak memory) and throughput
(bench/throughput.py: submit -> archived with 1, 2 and 4 worker processes beside the simulator's raw rate) print
their own tables. Benchmarks print numbers and never fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATA = Path(os.environ.get("BENCH_DATA_DIR", ROOT / "data" / "bench"))


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()} · {os.cpu_count()} cores{f' ({cpu})' if cpu else ''} · "
        f"Python {platform.python_version()} · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


class Worker:
    def __init__(self, label: str, database: str, size: int):
        self.label, self.database, self.size = label, database, size
        env = {**os.environ, "DATABASE_URL": database, "DATA_DIR": str(DATA), "DEBUG": "false"}
        env.pop("REDIS_URL", None) if not os.environ.get("BENCH_REDIS_URL") else env.update(
            REDIS_URL=os.environ["BENCH_REDIS_URL"]
        )
        self.proc = subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "pages.py"), str(size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        )  # fmt: skip
        self.pages: list[str] = []

    def ready(self) -> bool:
        line = self.proc.stdout.readline()
        if not line:
            print(f"{self.label} {self.size}: the worker stopped (see above)", file=sys.stderr)
            return False
        self.pages = json.loads(line)["pages"]
        return True

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def bench_pages(args) -> str:
    DATA.mkdir(parents=True, exist_ok=True)
    small, big = args.sizes
    backends = [("SQLite", lambda size: f"sqlite:///{DATA}/bench_{size}.sqlite3")]
    if not args.no_postgres:
        base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/sora_bench")
        backends.append(("PostgreSQL", lambda size: f"{base}_{size}"))
    workers = {(name, size): Worker(name, url(size), size) for name, url in backends for size in (small, big)}
    live = {key: w for key, w in workers.items() if w.ready()}
    if not live:
        return "no worker started"
    pages = next(iter(live.values())).pages
    rounds, per_round = (3, 3) if args.quick else (args.rounds, 5)
    timings: dict[tuple, list[float]] = {}
    errors: dict[tuple, str] = {}
    queries: dict[tuple, int] = {}
    for key, w in live.items():
        for page in pages:
            answer = w.ask(cmd="queries", page=page)
            if "error" in answer:
                errors[(*key, page)] = answer["error"]
            else:
                queries[(*key, page)] = answer["queries"]
    for r in range(rounds):
        for page in pages:
            for key, w in live.items():
                if (*key, page) in errors:
                    continue
                answer = w.ask(cmd="time", page=page, n=per_round)
                if "error" in answer:
                    errors[(*key, page)] = answer["error"]
                else:
                    timings.setdefault((*key, page), []).append(statistics.median(answer["ms"]))
        print(f"  round {r + 1} of {rounds} done", file=sys.stderr)
    for w in live.values():
        w.close()

    def cell(name, size, page):
        values = timings.get((name, size, page))
        return statistics.median(values) if values else None

    out = [
        f"### Pages ({rounds} rounds × {per_round} requests, medians; {machine()})",
        "",
        f"| page | database | queries ({small:,} / {big:,}) | {small:,} videos | {big:,} videos | ratio | ratio to floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        for name, _ in backends:
            a, b, floor = cell(name, small, page), cell(name, big, page), cell(name, big, "floor")
            q = f"{queries.get((name, small, page), '?')} / {queries.get((name, big, page), '?')}"
            ratio = f"{b / a:.1f}x" if a and b else "—"
            to_floor = f"{b / floor:.1f}x" if b and floor else "—"
            err = errors.get((name, small, page)) or errors.get((name, big, page))
            out.append(
                f"| {page} | {name} | {q} | {fmt_ms(a)} | {fmt_ms(b)} | {ratio} | {to_floor} |"
                + (f" error: {err}" if err else "")
            )
    return "\n".join(out)


def bench_script(name: str, args) -> str:
    script = ROOT / "bench" / f"{name}.py"
    if not script.exists():
        return ""
    cmd = [PYTHON, str(script)] + (["--quick"] if args.quick else [])
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        return f"### {name}\n\n(failed: {result.stderr.strip().splitlines()[-1:] or result.returncode})"
    print(f"  {name} done", file=sys.stderr)
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 3 requests")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["pages", "polling", "archive", "throughput"], action="append")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sizes", default="100,100000", help="the reference size and the large one")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")][:2]
    only = args.only or ["pages", "polling", "archive", "throughput"]
    sections = [f"## Sora Studio benchmarks\n\n{machine()}"]
    if "pages" in only:
        sections.append(bench_pages(args))
    for name in ("polling", "archive", "throughput"):
        if name in only:
            text = bench_script(name, args)
            if text:
                sections.append(text)
    print("\n\n".join(sections))


if __name__ == "__main__":
    main()
