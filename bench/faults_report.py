"""The fault suite's numbers as a table: what each scenario of tests/faults/ recorded (test-results/faults/*.json,
or the folder given), per database set-up.

    .venv/bin/python -m pytest -q tests/faults            # SQLite + the ORM broker
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python -m pytest -q tests/faults
    .venv/bin/python bench/faults_report.py [folder] [--markdown]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.recorder import load  # noqa: E402

COLUMNS = ["scenario", "database", "videos", "faults", "archived", "failed (reasons)", "lost", "duplicated",
           "calls/video", "recovery"]  # fmt: skip


def _faults(row: dict) -> str:
    faults = row.get("faults") or {}
    return ", ".join(f"{n} {kind}" for kind, n in faults.items()) or "none"


def _failed(row: dict) -> str:
    failed = row.get("failed") or {}
    return f"{sum(failed.values())} ({', '.join(f'{n} {code}' for code, n in failed.items())})" if failed else "0"


def _recovery(row: dict) -> str:
    parts = [f"{what} {seconds} s" for what, seconds in (row.get("recovery") or {}).items()]
    return "; ".join(parts) or "-"


def _order(row: dict) -> tuple:
    number, _, rest = row["scenario"].partition(" ")
    return (int(number) if number.isdigit() else 999, rest, row["database"])


def rows(results: list[dict]) -> list[list[str]]:
    return [
        [r["scenario"].replace("_", " "), r["database"], str(r["videos"]), _faults(r), str(r["archived"]),
         _failed(r), str(r["lost"]), str(r["duplicated"]), str(r["calls_per_video"]), _recovery(r)]
        for r in sorted(results, key=_order)
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    args = [a for a in argv if not a.startswith("--")]
    results = load(Path(args[0]) if args else None)
    if not results:
        print("No fault-suite results yet: run .venv/bin/python -m pytest tests/faults first.")
        return 1
    table = rows(results)
    if markdown:
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for row in table:
            print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
        return 0
    widths = [max(len(c), *(len(row[i]) for row in table)) for i, c in enumerate(COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)))
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
