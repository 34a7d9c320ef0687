"""Progress bars for the export and import commands: tqdm's when it is installed, else a plain one on stderr."""

from __future__ import annotations

import sys
import time
from typing import IO


class _Plain:
    def __init__(self, total: int, desc: str, file: IO[str], disable: bool) -> None:
        self.total, self.desc, self.file, self.disable = max(total, 0), desc, file, disable
        self.done, self._shown = 0, 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown >= 0.2 or self.done >= self.total:
            self._shown = now
            self._draw()

    def _draw(self) -> None:
        if self.disable:
            return
        share = self.done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        self.file.write(f"\r{self.desc}: [{bar:<30}] {share:4.0%} {self.done / 1e6:,.1f} of {self.total / 1e6:,.1f} MB")
        self.file.flush()

    def close(self) -> None:
        self._draw()
        if not self.disable:
            self.file.write("\n")
            self.file.flush()


def bar(total: int, desc: str, *, file: IO[str] | None = None, disable: bool = False):
    """A progress bar counting bytes: update(n), close()."""
    file = file or sys.stderr
    try:
        from tqdm import tqdm
    except ImportError:
        return _Plain(total, desc, file, disable)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=file, disable=disable)
