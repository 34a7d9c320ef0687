"""Checking downloaded files and deriving a video's pictures from its MP4.

Real providers often have no thumbnail or spritesheet (they ignore ``variant`` and send the MP4 again, or refuse it),
so the studio makes them itself from the archived MP4, in the contract's formats (catalog.CONTENT): a WebP thumbnail
the size of the video and a JPEG spritesheet of SPRITESHEET_COLUMNS x SPRITESHEET_ROWS tiles, the layout the
simulator renders and static/js/scrub.js reads.

- ``sniff(head)`` names the format of a file from its first bytes; ``expected_for(variant)`` is the format a
  content variant must have.
- ``probe_mp4``, ``thumbnail_from_mp4`` and ``spritesheet_from_mp4`` take a path or a binary file object (a Django
  storage File opened "rb", local or S3; a non-seekable stream is first copied into a bounded temporary file).

Costs are bounded: the input's size, the MP4's index size, the picture size (checked in the headers before any frame
is decoded, and enforced by the decoder for every frame after) and the number of frames decoded per call. Pictures
are found by seeking to the keyframe before each wanted time and decoding forward from there (or on from the frame
already decoded when that is nearer), one frame in memory at a time. Every problem with the input is a
``MediaError`` (a ``ValueError``) with a message that says what is wrong.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import IO

import av
from av.stream import Discard
from PIL import Image

from videos.sora.catalog import (
    SPRITESHEET_COLUMNS,
    SPRITESHEET_ROWS,
    SPRITESHEET_TILE_WIDTH,
)

Source = str | os.PathLike | IO[bytes]

HEAD_BYTES = 16  # enough for sniff()
MAX_MP4_BYTES = 1 << 30  # inputs above 1 GiB are refused (a non-seekable one is copied to a temp file up to this)
MAX_MOOV_BYTES = 64 << 20  # the MP4's index ('moov' box); an hour of 60 fps video needs a few MB
MAX_TOP_LEVEL_BOXES = 100_000  # a fragmented MP4 has two per fragment
MAX_SIDE = 4096  # pixels, either side
MAX_PIXELS = 4096 * 2304  # width x height: 4K (3840x2160, 4096x2160) and its portrait fit
MAX_DECODED_FRAMES = 1500  # per call: 20 s at 60 fps with a single keyframe still fits
THUMBNAIL_AT_SECONDS = 1.0  # like the simulator: the frame shown at 1 s (half-way through a video under 2 s)
WEBP_QUALITY = 80  # both as the simulator saves them
JPEG_QUALITY = 80

# The format a content variant must have, as sniff() names it (catalog.CONTENT: video/mp4, image/webp, image/jpeg).
EXPECTED = {"video": "mp4", "thumbnail": "webp", "spritesheet": "jpeg"}
# First boxes real encoders write: 'ftyp' (any brand) normally; a bare 'moov'/'mdat' from old QuickTime writers;
# 'free'/'skip'/'wide' padding first from some muxers.
_MP4_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide"}


class MediaError(ValueError):
    """The input is not a usable MP4 (or too big, or too costly to read); the message says why."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration_seconds: float
    fps: float  # average frame rate; 0.0 when the file does not say
    has_audio: bool


# ---------------------------------------------------------------------------------------------------------------
# What a file is
# ---------------------------------------------------------------------------------------------------------------
def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes (HEAD_BYTES is enough): "mp4", "webp", "jpeg", "png" or None."""
    if len(head) >= 8 and head[4:8] in _MP4_FIRST_BOXES:
        size = int.from_bytes(head[:4], "big")
        if size in (0, 1) or size >= 8:  # 0: runs to the end of the file; 1: a 64-bit size follows
            return "mp4"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    return None


def expected_for(variant: str) -> str:
    """The sniff() name a downloaded content variant must have: video -> "mp4", thumbnail -> "webp",
    spritesheet -> "jpeg"."""
    try:
        return EXPECTED[variant]
    except KeyError:
        raise ValueError(f"variant must be one of {', '.join(EXPECTED)}, got {variant!r}") from None


def read_head(file: IO[bytes]) -> bytes:
    """The first HEAD_BYTES of a seekable binary file object, leaving its position where it was."""
    start = file.tell()
    file.seek(0)
    try:
        return file.read(HEAD_BYTES)
    finally:
        file.seek(start)


def describe(head: bytes) -> str:
    """A few words on what these first bytes look like, for error messages (never the bytes themselves)."""
    kind = sniff(head)
    if kind:
        return {"mp4": "an MP4", "webp": "a WebP image", "jpeg": "a JPEG image", "png": "a PNG image"}[kind]
    if not head:
        return "an empty file"
    text = head.lstrip()[:15].lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith((b"<?xml", b"<")):
        return "XML or markup"
    if text.startswith((b"{", b"[")):
        return "JSON or text"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "a Matroska/WebM file"
    return f"unknown data ({len(head)}+ bytes)"


# ---------------------------------------------------------------------------------------------------------------
# Reading an MP4
# ---------------------------------------------------------------------------------------------------------------
def probe_mp4(file: Source) -> VideoInfo:
    """The video's size, duration, frame rate and whether it has sound, from the container's headers (no frame is
    decoded beyond what FFmpeg reads to learn the stream's parameters)."""
    with _opened(file) as (_container, _stream, info):
        return info


def thumbnail_from_mp4(file: Source) -> bytes:
    """A WebP (quality 80) the size of the video, like the simulator's: the frame shown at THUMBNAIL_AT_SECONDS,
    or half-way through a video shorter than twice that."""
    with _opened(file) as (container, stream, info):
        at = THUMBNAIL_AT_SECONDS if info.duration_seconds >= 2 * THUMBNAIL_AT_SECONDS else info.duration_seconds / 2
        frame = _Frames(container, stream).at(at)
        image = frame.to_image()
        del frame
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=WEBP_QUALITY)
        return out.getvalue()


def spritesheet_times(duration_seconds: float) -> list[float]:
    """When each tile is taken: the middle of its slice of the timeline (scrub.js shows tile i while the pointer is
    in the i-th of COLUMNS x ROWS equal slices), in time order."""
    tiles = SPRITESHEET_COLUMNS * SPRITESHEET_ROWS
    return [(i + 0.5) * duration_seconds / tiles for i in range(tiles)]


def spritesheet_size(width: int, height: int) -> tuple[int, int, int]:
    """(tile height, sheet width, sheet height) for a video of width x height, as the simulator renders it."""
    tile_h = max(1, round(height * SPRITESHEET_TILE_WIDTH / width))
    return tile_h, SPRITESHEET_TILE_WIDTH * SPRITESHEET_COLUMNS, tile_h * SPRITESHEET_ROWS


def spritesheet_from_mp4(file: Source) -> bytes:
    """A JPEG (quality 80) of SPRITESHEET_COLUMNS x SPRITESHEET_ROWS tiles, SPRITESHEET_TILE_WIDTH wide and as high as
    the video's aspect makes them, frames evenly spaced in time (spritesheet_times), left to right then top to
    bottom."""
    with _opened(file) as (container, stream, info):
        tile_h, sheet_w, sheet_h = spritesheet_size(info.width, info.height)
        sheet = Image.new("RGB", (sheet_w, sheet_h))
        frames = _Frames(container, stream)
        for position, at in enumerate(spritesheet_times(info.duration_seconds)):
            tile = frames.at(at).to_image(width=SPRITESHEET_TILE_WIDTH, height=tile_h, interpolation="AREA")
            x = (position % SPRITESHEET_COLUMNS) * SPRITESHEET_TILE_WIDTH
            sheet.paste(tile, (x, (position // SPRITESHEET_COLUMNS) * tile_h))
        out = io.BytesIO()
        sheet.save(out, format="JPEG", quality=JPEG_QUALITY)
        return out.getvalue()


def derive(variant: str, file: Source) -> bytes:
    """The "thumbnail" or "spritesheet" variant made from the MP4 `file`."""
    makers = {"thumbnail": thumbnail_from_mp4, "spritesheet": spritesheet_from_mp4}
    if variant not in makers:
        raise ValueError(f"only thumbnail and spritesheet can be derived from an MP4, not {variant!r}")
    return makers[variant](file)


# ---------------------------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------------------------
@contextmanager
def _opened(file: Source) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream, VideoInfo]]:
    """The checked input, opened with PyAV: (container, its video stream, VideoInfo)."""
    with _seekable(file) as (target, handle, size):
        _check_file(handle, size)
        try:
            # format="mp4" forces FFmpeg's MP4 demuxer: never a probe into playlists or other formats that could
            # open further files or URLs. max_pixels reaches the decoders FFmpeg opens to learn the parameters.
            container = av.open(target, mode="r", format="mp4", options={"max_pixels": str(MAX_PIXELS)})
        except av.FFmpegError as exc:
            raise MediaError(f"not a readable MP4: {_ffmpeg_reason(exc)}") from None
        with container:
            stream, info = _video_stream(container)
            yield container, stream, info


@contextmanager
def _seekable(file: Source) -> Iterator[tuple[str | IO[bytes], IO[bytes], int]]:
    """(what to give av.open, a seekable binary file object at 0 on the same bytes, its size)."""
    if isinstance(file, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(file))
        with open(path, "rb") as handle:
            # "file:" so FFmpeg never reads a name like "http://..." or "concat:..." as a protocol.
            yield f"file:{path}", handle, os.fstat(handle.fileno()).st_size
        return
    if _can_seek(file):
        start = file.tell()
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
        try:
            yield file, file, size
        finally:
            if not getattr(file, "closed", False):
                file.seek(start)
        return
    with tempfile.TemporaryFile() as tmp:
        size = 0
        for chunk in iter(lambda: file.read(1 << 20), b""):
            size += len(chunk)
            if size > MAX_MP4_BYTES:
                raise MediaError(f"the MP4 is larger than {MAX_MP4_BYTES} bytes")
            tmp.write(chunk)
        tmp.seek(0)
        yield tmp, tmp, size


def _can_seek(file: IO[bytes]) -> bool:
    try:
        if hasattr(file, "seekable") and not file.seekable():
            return False
        file.tell()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _check_file(handle: IO[bytes], size: int) -> None:
    """Refuse what is not a complete MP4 of bounded size, from its first bytes and its top-level boxes (read by their
    8- or 16-byte headers only)."""
    if size == 0:
        raise MediaError("not an MP4: the file is empty (0 bytes)")
    if size > MAX_MP4_BYTES:
        raise MediaError(f"the MP4 is {size} bytes, larger than the {MAX_MP4_BYTES}-byte limit")
    head = handle.read(HEAD_BYTES)
    if sniff(head) != "mp4":
        raise MediaError(f"not an MP4: the file looks like {describe(head)}")
    offset, boxes, has_moov = 0, 0, False
    while size - offset >= 8:
        boxes += 1
        if boxes > MAX_TOP_LEVEL_BOXES:
            raise MediaError(f"corrupt MP4: more than {MAX_TOP_LEVEL_BOXES} top-level boxes")
        handle.seek(offset)
        header = handle.read(16)
        box_size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
        header_size = 8
        if box_size == 1 and len(header) == 16:
            box_size, header_size = int.from_bytes(header[8:16], "big"), 16
        elif box_size == 0:
            box_size = size - offset
        name = box_type.decode("latin-1")
        if box_size < header_size or not all(0x20 <= c < 0x7F for c in box_type):
            raise MediaError(f"corrupt MP4: unreadable box header at byte {offset}")
        if box_size > size - offset:
            raise MediaError(
                f"truncated MP4: its '{name}' box at byte {offset} needs {box_size} bytes, the file has {size - offset}"
            )
        if box_type == b"moov":
            has_moov = True
            if box_size > MAX_MOOV_BYTES:
                raise MediaError(f"the MP4's index ('moov' box) is {box_size} bytes, over the {MAX_MOOV_BYTES} limit")
        offset += box_size
    if not has_moov:
        raise MediaError("incomplete MP4: it has no index ('moov' box), so it was cut short or never finished")
    handle.seek(0)


def _video_stream(container: av.container.InputContainer) -> tuple[av.video.stream.VideoStream, VideoInfo]:
    streams = [s for s in container.streams.video if not s.disposition & s.disposition.attached_pic]
    if not streams:
        raise MediaError("the MP4 has no video stream")
    stream = streams[0]
    if stream.codec_context is None:
        raise MediaError(f"no decoder for the MP4's video codec ({stream.codec_tag!r})")
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        raise MediaError("the MP4's video stream has no readable picture size (corrupt or oversized headers)")
    if stream.codec_context.pix_fmt is None:  # FFmpeg could not decode the stream's parameter sets
        raise MediaError("the MP4's video headers cannot be decoded (corrupt, or a picture size no decoder accepts)")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise MediaError(
            f"the video claims {width}x{height} pixels, over the limit ({MAX_SIDE} a side, {MAX_PIXELS} in all); "
            "refused before decoding"
        )
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / av.time_base
    else:
        raise MediaError("the MP4 does not say how long its video is")
    if duration <= 0:
        raise MediaError("the MP4's video has no duration")
    rate = stream.average_rate or stream.guessed_rate
    info = VideoInfo(width, height, duration, float(rate) if rate else 0.0, bool(container.streams.audio))
    return stream, info


def _ffmpeg_reason(exc: av.FFmpegError) -> str:
    """FFmpeg's own words without the file name it quotes (a temp path or URL means nothing to a reader)."""
    return exc.strerror or type(exc).__name__


class _Frames:
    """The frames shown at increasing times, decoding as little as possible: for each time, continue from the frame
    already decoded when that is at or after the keyframe preceding the time, else seek to that keyframe. At most
    MAX_DECODED_FRAMES are decoded; one decoded frame (and the one after it, to know where a frame ends) is held."""

    def __init__(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> None:
        self.container, self.stream = container, stream
        self.time_base: Fraction = stream.time_base or Fraction(1, 90000)
        self.start = stream.start_time or 0
        self.decoded = 0
        self._iter: Iterator[av.VideoFrame] | None = None
        self._current: av.VideoFrame | None = None  # the last frame at or before the latest time asked for
        self._next: av.VideoFrame | None = None  # the frame after it, when already decoded
        for other in container.streams:
            if other is not stream:
                other.discard = Discard.all  # the demuxer skips their packets
        # Every frame goes through a decoder that refuses pictures over the limit (a later in-band parameter set
        # cannot grow the picture past what the headers said).
        stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}

    def at(self, seconds: float) -> av.VideoFrame:
        """The frame on screen at `seconds`: the last one starting at or before it (the first, if none does)."""
        target = self.start + int(Fraction(seconds) / self.time_base)
        earliest = self._current if self._current is not None else self._next
        latest = self._next if self._next is not None else self._current
        if earliest is None or _pts(earliest) > target or _pts(latest) < self._keyframe_before(target):
            self._seek(target)
        while True:
            if self._next is not None:
                if _pts(self._next) > target:
                    break
                self._current, self._next = self._next, None
            frame = self._decode_one(seconds)
            if frame is None:  # the end of the stream: the last frame stays on screen
                break
            self._next = frame
        frame = self._current if self._current is not None else self._next
        if frame is None:
            raise MediaError("the MP4's video has no decodable frame")
        return frame

    def _keyframe_before(self, target: int) -> int:
        entries = self.stream.index_entries
        if len(entries):
            found = entries.search_timestamp(target, backward=True)
            if found >= 0:
                return entries[found].timestamp
        return target - int(2 / self.time_base)  # no index: assume keyframes at most 2 s apart

    def _seek(self, target: int) -> None:
        try:
            self.container.seek(max(target, self.start), stream=self.stream, backward=True)
        except av.FFmpegError as exc:
            raise MediaError(f"cannot seek in the MP4: {_ffmpeg_reason(exc)}") from None
        self._iter = self.container.decode(self.stream)
        self._current = self._next = None

    def _decode_one(self, seconds: float) -> av.VideoFrame | None:
        assert self._iter is not None
        if self.decoded >= MAX_DECODED_FRAMES:
            raise MediaError(
                f"reaching the frame at {seconds:.2f} s needs more than {MAX_DECODED_FRAMES} decoded frames "
                "(keyframes too far apart)"
            )
        try:
            frame = next(self._iter, None)
        except av.FFmpegError as exc:
            raise MediaError(f"the MP4's video cannot be decoded near {seconds:.2f} s: {_ffmpeg_reason(exc)}") from None
        if frame is not None:
            self.decoded += 1
        return frame


def _pts(frame: av.VideoFrame) -> int:
    pts = frame.pts if frame.pts is not None else frame.dts
    if pts is None:
        raise MediaError("the MP4's video frames have no timestamps")
    return pts
