"""Each fault scenario's numbers, one JSON file per scenario and database set-up, in test-results/faults/ (or
FAULTS_REPORT_DIR); `python bench/faults_report.py` prints them as a table."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def folder() -> Path:
    return Path(os.environ.get("FAULTS_REPORT_DIR") or ROOT / "test-results" / "faults")


def record(result: dict) -> Path:
    out = folder()
    out.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", f"{result['scenario']} {result['database']}".lower()).strip("-")
    path = out / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


def load(directory: Path | None = None) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((directory or folder()).glob("*.json"))]
