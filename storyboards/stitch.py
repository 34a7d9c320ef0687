"""Stitching clips into one MP4 with PyAV: the final cut's encoder, and nothing else.

Every clip is decoded and re-encoded (H.264 + AAC, ``+faststart`` so a browser plays it while it downloads): clips
from different providers carry different H.264 parameter sets, which one MP4 track cannot mix, and re-encoding is
what brings them to one frame rate. Rules:

- one frame size: clips of different sizes are refused (the message names them), never scaled;
- one frame rate: the clips' own when they agree, otherwise the highest of theirs (at most MAX_FPS); each clip is
  resampled by its timestamps (frames repeated or dropped), so it keeps its length;
- sound: kept when any clip has it (a clip without sound contributes silence of its own length), as 48 kHz stereo;
- optional crossfades: the last `crossfade` seconds of a clip blend into the first of the next (pictures and sound),
  so the cut is that much shorter per join.

Inputs are checked by ``assets.media.probe_mp4`` first (format, bounded size and index, picture size). Every
problem is a ``StitchError`` with a message for the member. The output goes to a path the caller owns; the caller
decides what to keep.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import IO

import av
from PIL import Image

from assets.media import MAX_PIXELS, MediaError, VideoInfo, probe_mp4

MAX_FPS = Fraction(60)
AUDIO_RATE = 48000
AUDIO_FRAME = 1024  # AAC's frame size
MAX_TOTAL_SECONDS = 20 * 60  # 20 minutes of cut at most: the stitching task must end well inside its timeout


class StitchError(ValueError):
    """The clips cannot be stitched; the message says why (and which clip)."""


@dataclass(frozen=True)
class Clip:
    label: str  # how messages name it ("shot 2, take 3")
    source: str | os.PathLike | IO[bytes]  # a path or a seekable binary file object


@dataclass(frozen=True)
class Stitched:
    width: int
    height: int
    fps: Fraction
    has_audio: bool
    # Each clip's start and end in the cut, in seconds (with crossfades, a clip starts before the previous one ends).
    spans: list[tuple[float, float]]

    @property
    def duration_seconds(self) -> float:
        return self.spans[-1][1] if self.spans else 0.0


def stitch(
    clips: list[Clip], out_path: str, *, crossfade: float = 0.0, progress: Callable[[int], None] | None = None
) -> Stitched:
    """Write the clips, in order, into one MP4 at `out_path`. `progress` gets 0..100 as frames are encoded."""
    if not clips:
        raise StitchError("There is nothing to stitch.")
    infos = [_probe(clip) for clip in clips]
    first = infos[0]
    for clip, info in zip(clips[1:], infos[1:], strict=True):
        if (info.width, info.height) != (first.width, first.height):
            raise StitchError(
                f"The clips have different frame sizes: {clips[0].label} is {first.width}x{first.height}, "
                f"{clip.label} is {info.width}x{info.height}. A cut needs one size: choose takes of the same size."
            )
    rates = {_rate(info) for info in infos}
    fps = rates.pop() if len(rates) == 1 else min(max(rates), MAX_FPS)
    frame_counts = [max(1, round(info.duration_seconds * fps)) for info in infos]
    fade_frames = round(crossfade * fps) if len(clips) > 1 else 0
    if fade_frames and any(n <= 2 * fade_frames for n in frame_counts):
        raise StitchError(f"A {crossfade:g} s crossfade is too long for clips this short; choose a shorter one.")
    total_frames = sum(frame_counts) - fade_frames * (len(clips) - 1)
    if total_frames / fps > MAX_TOTAL_SECONDS:
        raise StitchError(f"The cut would be over {MAX_TOTAL_SECONDS // 60} minutes long.")
    has_audio = any(info.has_audio for info in infos)
    width, height = first.width, first.height

    spans: list[tuple[float, float]] = []
    with av.open(out_path, mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        vout = out.add_stream("libx264", rate=fps)
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.codec_context.time_base = 1 / fps
        vout.codec_context.gop_size = max(1, int(fps * 2))  # a keyframe every 2 s: thumbnails and seeking stay cheap
        vout.options = {"preset": "veryfast", "crf": "23"}
        aout = None
        if has_audio:
            aout = out.add_stream("aac", rate=AUDIO_RATE)
            aout.codec_context.layout = "stereo"
            aout.codec_context.format = "fltp"
        writer = _Writer(out, vout, aout, fps, total_frames, progress)
        tail_frames: list[Image.Image] = []
        tail_audio: tuple[array, array] | None = None
        position = 0  # output frames written or held back so far
        for index, (clip, info, count) in enumerate(zip(clips, infos, frame_counts, strict=True)):
            start = position - (fade_frames if index else 0)
            spans.append((float(start / fps), float((start + count) / fps)))
            last = index == len(clips) - 1
            audio = _clip_audio(clip, info, count, fps) if has_audio else None
            hold = 0 if last else fade_frames
            for n, frame in enumerate(_clip_frames(clip, info, count, fps)):
                if index and n < fade_frames:  # blend into the held-back end of the previous clip
                    alpha = (n + 1) / (fade_frames + 1)
                    image = Image.blend(tail_frames[n], frame.to_image(), alpha)
                    writer.video(av.VideoFrame.from_image(image))
                elif n >= count - hold:
                    tail_frames.append(frame.to_image())
                else:
                    writer.video(frame)
            if index:
                tail_frames = tail_frames[fade_frames:]
            position = start + count
            if audio is not None:
                left, right = audio
                fade_samples = _samples(fade_frames, fps)
                if index and fade_samples and tail_audio is not None:
                    _mix_in(tail_audio, (left, right), fade_samples)
                    left[:fade_samples], right[:fade_samples] = tail_audio[0], tail_audio[1]
                keep = len(left) - (0 if last else fade_samples)
                writer.audio(left[:keep], right[:keep])
                tail_audio = (left[keep:], right[keep:]) if not last else None
        writer.finish()
    return Stitched(width, height, fps, has_audio, spans)


# ---------------------------------------------------------------------------------------------------------------
# Reading clips
# ---------------------------------------------------------------------------------------------------------------
def _probe(clip: Clip) -> VideoInfo:
    try:
        return probe_mp4(clip.source)
    except MediaError as exc:
        raise StitchError(f"{clip.label} cannot be read: {exc}.") from None


def _rate(info: VideoInfo) -> Fraction:
    if info.fps <= 0:
        return Fraction(24)
    return min(Fraction(info.fps).limit_denominator(1001), MAX_FPS)


def _open(clip: Clip) -> av.container.InputContainer:
    source = clip.source
    if isinstance(source, (str, os.PathLike)):
        source = f"file:{os.path.abspath(os.fspath(source))}"
    else:
        source.seek(0)
    try:
        return av.open(source, mode="r", format="mp4", options={"max_pixels": str(MAX_PIXELS)})
    except av.FFmpegError as exc:
        raise StitchError(f"{clip.label} cannot be read: {exc}.") from None


def _clip_frames(clip: Clip, info: VideoInfo, count: int, fps: Fraction) -> Iterator[av.VideoFrame]:
    """`count` frames at `fps`: at each output time, the clip's frame on screen then (yuv420p, the clip's size)."""
    with _open(clip) as container:
        stream = next(s for s in container.streams.video if not s.disposition & s.disposition.attached_pic)
        stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}
        time_base = stream.time_base or Fraction(1, 90000)
        start = stream.start_time or 0
        decoded = _decode(container, stream, clip)
        current = None
        pending = next(decoded, None)
        for n in range(count):
            at = Fraction(n) / fps
            while pending is not None and (current is None or _time(pending, start, time_base) <= at):
                current, pending = pending, next(decoded, None)
            if current is None:
                raise StitchError(f"{clip.label} has no picture that can be decoded.")
            if current.format.name != "yuv420p" or (current.width, current.height) != (info.width, info.height):
                current = current.reformat(width=info.width, height=info.height, format="yuv420p")
            yield current


def _decode(container, stream, clip: Clip) -> Iterator[av.VideoFrame]:
    try:
        yield from container.decode(stream)
    except av.FFmpegError as exc:
        raise StitchError(f"{clip.label} cannot be decoded: {exc}.") from None


def _time(frame: av.VideoFrame, start: int, time_base: Fraction) -> Fraction:
    pts = frame.pts if frame.pts is not None else frame.dts
    return Fraction(0) if pts is None else (pts - start) * time_base


def _samples(frames: int, fps: Fraction) -> int:
    return round(Fraction(frames) * AUDIO_RATE / fps)


def _clip_audio(clip: Clip, info: VideoInfo, count: int, fps: Fraction) -> tuple[array, array]:
    """The clip's sound as 48 kHz stereo float samples, exactly as long as its `count` frames (silence when it has
    none, cut or padded to length)."""
    wanted = _samples(count, fps)
    left, right = array("f"), array("f")
    if info.has_audio:
        with _open(clip) as container:
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
            try:
                for frame in container.decode(audio=0):
                    for out in resampler.resample(frame):
                        _append(left, right, out)
                    if len(left) >= wanted:
                        break
                for out in resampler.resample(None):
                    _append(left, right, out)
            except av.FFmpegError as exc:
                raise StitchError(f"{clip.label}'s sound cannot be decoded: {exc}.") from None
    del left[wanted:], right[wanted:]
    if len(left) < wanted:
        pad = array("f", bytes(4 * (wanted - len(left))))
        left.extend(pad), right.extend(pad)
    return left, right


def _append(left: array, right: array, frame: av.AudioFrame) -> None:
    n = frame.samples * 4
    left.frombytes(bytes(frame.planes[0])[:n])
    right.frombytes(bytes(frame.planes[1])[:n])


def _mix_in(tail: tuple[array, array], head: tuple[array, array], samples: int) -> None:
    """Crossfade: tail fades out while head fades in, written into `tail` (linear gains)."""
    for channel in (0, 1):
        out, incoming = tail[channel], head[channel]
        for i in range(min(samples, len(out), len(incoming))):
            gain = (i + 1) / (samples + 1)
            out[i] = out[i] * (1 - gain) + incoming[i] * gain


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, out, vout, aout, fps: Fraction, total_frames: int, progress) -> None:
        self.out, self.vout, self.aout, self.fps = out, vout, aout, fps
        self.total, self.progress = total_frames, progress
        self.frames = 0
        self.samples = 0
        self.reported = -1

    def video(self, frame: av.VideoFrame) -> None:
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        frame.pts = self.frames
        frame.time_base = 1 / self.fps
        self.out.mux(self.vout.encode(frame))
        self.frames += 1
        if self.progress is not None:
            pct = min(99, int(100 * self.frames / max(self.total, 1)))
            if pct - self.reported >= 5:
                self.progress(pct)
                self.reported = pct

    def audio(self, left: array, right: array) -> None:
        for offset in range(0, len(left), AUDIO_FRAME):
            chunk_l, chunk_r = left[offset : offset + AUDIO_FRAME], right[offset : offset + AUDIO_FRAME]
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=len(chunk_l))
            frame.sample_rate = AUDIO_RATE
            for plane, data in zip(frame.planes, (chunk_l, chunk_r), strict=True):
                raw = data.tobytes()
                plane.update(raw + bytes(plane.buffer_size - len(raw)))
            frame.pts = self.samples
            frame.time_base = Fraction(1, AUDIO_RATE)
            self.out.mux(self.aout.encode(frame))
            self.samples += len(chunk_l)

    def finish(self) -> None:
        self.out.mux(self.vout.encode(None))
        if self.aout is not None:
            self.out.mux(self.aout.encode(None))
