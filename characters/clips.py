"""A character's clip: checked before anything is stored or sent, cut from a video, and its thumbnail.

The contract (3.7) asks for an MP4 of 2 to 4 seconds, 16:9 or 9:16, 720p to 1080p. Every check reads the
container's headers only (``assets.media.probe_mp4``: a real MP4 by its bytes, bounded size, the picture size read
and refused before any frame is decoded), so a decompression bomb costs nothing. The thumbnail is the one decode,
after the checks, bounded by the same limits.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import IO

import av

from assets import media

MIN_SECONDS = 2.0
MAX_SECONDS = 4.0
# An encoder may end a clip a frame or an audio packet past a whole second (4.04 s for a 4 s clip).
SECONDS_SLACK = 0.1
MIN_SHORT_SIDE, MAX_SHORT_SIDE = 720, 1080  # 720p to 1080p
# 16:9 or 9:16, within 2 % (so 1792x1024, Sora 2 Pro's 7:4 "1024p", counts as widescreen).
ASPECT, ASPECT_TOLERANCE = 16 / 9, 0.02


class ClipError(ValueError):
    """A clip the contract does not take; the message says what is wrong, for the person who chose it."""


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    seconds: float

    @property
    def orientation(self) -> str:
        return "portrait" if self.height > self.width else "landscape"


def check_clip(file: IO[bytes]) -> ClipInfo:
    """The clip's size and length, or ClipError saying why the contract would refuse it."""
    try:
        info = media.probe_mp4(file)
    except media.MediaError as exc:
        raise ClipError(f"This clip cannot be used: {exc}.") from None
    width, height, seconds = info.width, info.height, info.duration_seconds
    if seconds < MIN_SECONDS - SECONDS_SLACK or seconds > MAX_SECONDS + SECONDS_SLACK:
        raise ClipError(
            f"The clip is {seconds:.1f} seconds long; a character needs {MIN_SECONDS:g} to {MAX_SECONDS:g} seconds."
        )
    ratio = max(width, height) / min(width, height)
    if abs(ratio - ASPECT) / ASPECT > ASPECT_TOLERANCE:
        raise ClipError(f"The clip is {width}×{height}; a character needs 16:9 (landscape) or 9:16 (portrait).")
    short = min(width, height)
    if not MIN_SHORT_SIDE <= short <= MAX_SHORT_SIDE:
        raise ClipError(
            f"The clip is {width}×{height}; a character needs 720p to 1080p (the short side {MIN_SHORT_SIDE} to "
            f"{MAX_SHORT_SIDE} pixels)."
        )
    return ClipInfo(width, height, seconds)


def thumbnail(file: IO[bytes]) -> bytes:
    """A WebP of the clip's frame at 1 s (half-way through a shorter clip), made locally."""
    try:
        return media.thumbnail_from_mp4(file)
    except media.MediaError as exc:
        raise ClipError(f"This clip cannot be used: {exc}.") from None


def first_seconds(file: IO[bytes], seconds: float = MAX_SECONDS) -> IO[bytes]:
    """The first `seconds` of an MP4 as a new MP4 (a temporary file at its start), packets copied as they are (no
    re-encoding): a video's clip for a character. Packets are kept in decode order up to the cut, so no kept frame
    refers to a dropped one. A video no longer than the cut is returned whole."""
    info = media.probe_mp4(file)
    file.seek(0)
    out = tempfile.TemporaryFile()
    if info.duration_seconds <= seconds + SECONDS_SLACK:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            out.write(chunk)
        out.seek(0)
        return out
    with av.open(file, mode="r", format="mp4") as src, av.open(out, mode="w", format="mp4") as dest:
        streams = [s for s in (src.streams.video[:1] + src.streams.audio[:1])]
        outputs = {s.index: dest.add_stream_from_template(s) for s in streams}
        for packet in src.demux(*streams):
            if packet.dts is None or packet.time_base is None:
                continue
            start = packet.stream.start_time or 0
            if float((packet.dts - start) * packet.time_base) >= seconds:
                continue
            packet.stream = outputs[packet.stream.index]
            dest.mux(packet)
    out.seek(0)
    return out
