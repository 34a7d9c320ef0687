"""Tasks the shutdown tests queue for a real `manage.py qcluster`: each leaves marks in a folder as it runs."""

from __future__ import annotations

import os
import time
from pathlib import Path


def slow(folder: str, seconds: float) -> str:
    """Mark that it started, work for `seconds`, mark that it finished (and how many times it ran)."""
    Path(folder, f"started-{os.getpid()}").write_text("")
    time.sleep(seconds)
    with open(Path(folder, "finished"), "a") as fh:
        fh.write("done\n")
    return "done"
