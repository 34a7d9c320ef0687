"""Pieces for zips streamed as they are written (a project's export, a gallery's selection): zipfile writes into a
sink the generator empties after each write, so no zip is ever held whole (zipfile writes data descriptors when it
cannot seek, so nothing is written twice)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

from django.utils import timezone


class ZipSink:
    """A write-only file object that collects what zipfile writes until the generator takes it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        if data:
            self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def entry(name: str, moment: datetime | None = None, *, compress_type: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A regular file's entry, stamped with `moment` (now if None) in UTC (zip dates start in 1980)."""
    moment = (moment or timezone.now()).astimezone(UTC)
    info = zipfile.ZipInfo(name, date_time=(max(moment.year, 1980), moment.month, moment.day, moment.hour,
                                            moment.minute, moment.second))  # fmt: skip
    info.compress_type = compress_type
    info.external_attr = 0o100644 << 16  # a regular file
    return info
