"""The simulator's media: a real H.264 + AAC MP4, a WebP thumbnail and a JPEG spritesheet, made with PyAV and Pillow.

Every frame shows the prompt (wrapped), a moving shape and a timecode over a two-colour gradient. The palette comes
from ``palette_seed`` (a hash of the root ancestor's prompt: a remix keeps the family colours) and the layout from
``scene_seed`` (a hash of the job's own prompt: a remix still looks different). Encoding is cheap on purpose: a low
frame rate, x264 ``ultrafast``, one pre-drawn background per job and a single-period audio tone repeated.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import textwrap
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

from videos.sora.catalog import (
    SPRITESHEET_COLUMNS,
    SPRITESHEET_ROWS,
    SPRITESHEET_TILE_WIDTH,
)

VIDEO_FILE = "video.mp4"
THUMBNAIL_FILE = "thumbnail.webp"
SPRITESHEET_FILE = "spritesheet.jpg"
REFERENCE_FILE = "reference.png"

AUDIO_RATE = 48000
AUDIO_FRAME = 1024  # AAC's frame size


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


@dataclass(frozen=True)
class RenderSpec:
    width: int
    height: int
    seconds: int
    prompt: str
    palette_seed: int
    scene_seed: int
    fps: int = 8
    label: str = ""  # model / kind shown on the frame
    reference: Path | None = None  # an input_reference image of exactly width x height


def _colour(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return int(r * 255), int(g * 255), int(b * 255)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # pragma: no cover  (Pillow without FreeType)
        return ImageFont.load_default()


def _background(spec: RenderSpec) -> Image.Image:
    """The job's still part: gradient from the palette, the wrapped prompt, a caption."""
    w, h = spec.width, spec.height
    hue = (spec.palette_seed % 360) / 360.0
    shift = ((spec.scene_seed >> 8) % 60 - 30) / 360.0  # a remix drifts a little around the family hue
    top = _colour(hue + shift, 0.30, 0.65)
    bottom = _colour(hue + shift + 0.08, 0.12, 0.55)
    strip = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        strip.putpixel((0, y), tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    image = strip.resize((w, h), Image.Resampling.BILINEAR)
    if spec.reference is not None and spec.reference.exists():
        with Image.open(spec.reference) as ref:
            image = Image.blend(image, ref.convert("RGB").resize((w, h)), 0.6)
    draw = ImageDraw.Draw(image)
    # A few soft scene blocks placed from the scene seed.
    rnd = spec.scene_seed
    for i in range(4):
        rnd = (rnd * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        x0, y0 = (rnd >> 10) % w, (rnd >> 30) % h
        size = min(w, h) // (3 + i)
        draw.rectangle((x0, y0, x0 + size, y0 + size // 2), fill=_colour(hue + 0.5 + i * 0.04, 0.35 + 0.05 * i, 0.4))
    font_size = max(14, min(w, h) // 18)
    font = _font(font_size)
    chars = max(12, int(w / (font_size * 0.55)))
    lines = textwrap.wrap(spec.prompt, width=chars)[: max(1, (h // 2) // int(font_size * 1.3))]
    y = h // 6
    for line in lines:
        draw.text((w // 20 + 2, y + 2), line, font=font, fill=(0, 0, 0))
        draw.text((w // 20, y), line, font=font, fill=(255, 255, 255))
        y += int(font_size * 1.3)
    small = _font(max(12, font_size // 2))
    draw.text((w // 20, h - h // 12), f"SIMULATED  {spec.label}  {w}x{h}  {spec.seconds}s", font=small, fill=(230, 230, 230))
    return image


def _frame(base: Image.Image, spec: RenderSpec, index: int, total: int, font) -> Image.Image:
    image = base.copy()
    draw = ImageDraw.Draw(image)
    w, h = spec.width, spec.height
    t = index / max(1, total - 1)
    radius = min(w, h) // 10
    cx = int(radius + (w - 2 * radius) * t)
    cy = int(h * 0.7 + math.sin(t * math.pi * 4 + spec.scene_seed % 7) * h * 0.08)
    hue = (spec.palette_seed % 360) / 360.0
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_colour(hue + 0.33, 0.6, 0.8))
    draw.rectangle((0, h - 8, int(w * (index + 1) / total), h), fill=(255, 255, 255))
    seconds = index / spec.fps
    draw.text((w - w // 4, h // 20), f"{seconds:05.2f}s", font=font, fill=(255, 255, 255))
    return image


def _tone(spec: RenderSpec) -> list[bytes]:
    """One AAC frame's worth of a quiet tone per channel (an exact number of periods, so it repeats seamlessly)."""
    cycles = 6 + spec.palette_seed % 6  # 281 .. 515 Hz
    samples = [0.08 * math.sin(2 * math.pi * cycles * n / AUDIO_FRAME) for n in range(AUDIO_FRAME)]
    plane = array("f", samples).tobytes()
    return [plane, plane]


def render(
    spec: RenderSpec, directory: Path, progress: Callable[[int], None] | None = None, scratch: str = "part"
) -> None:
    """Write video.mp4, thumbnail.webp and spritesheet.jpg into ``directory`` (written under temporary names ending
    in ``.<scratch>`` and renamed, so a reader never sees half a file and two renderers never share a temporary
    file). ``progress`` gets 0..100 as frames are encoded.
    """
    directory.mkdir(parents=True, exist_ok=True)
    total = spec.seconds * spec.fps
    tiles = SPRITESHEET_COLUMNS * SPRITESHEET_ROWS
    # Frame indices for the sheet: evenly spread, in time order.
    sheet_indices = [min(total - 1, int((i + 0.5) * total / tiles)) for i in range(tiles)]
    thumb_index = min(total - 1, spec.fps)  # t = 1 s
    base = _background(spec)
    font = _font(max(14, min(spec.width, spec.height) // 24))
    sheet_frames: dict[int, Image.Image] = {}
    thumbnail: Image.Image | None = None

    tmp_video = directory / (f"{VIDEO_FILE}.{scratch}")
    with av.open(str(tmp_video), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=spec.fps)
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        video.codec_context.time_base = Fraction(1, spec.fps)
        video.options = {"preset": "ultrafast", "crf": "30", "tune": "stillimage"}
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.codec_context.layout = "stereo"
        audio.codec_context.format = "fltp"
        tone = _tone(spec)

        audio_total = spec.seconds * AUDIO_RATE
        audio_done = 0
        last_reported = -1
        for index in range(total):
            image = _frame(base, spec, index, total, font)
            if index in sheet_indices:
                sheet_frames[index] = image
            if index == thumb_index:
                thumbnail = image
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, spec.fps)
            container.mux(video.encode(frame))
            # Interleave audio up to this frame's end time.
            target = min(audio_total, (index + 1) * AUDIO_RATE // spec.fps)
            while audio_done < target:
                count = min(AUDIO_FRAME, audio_total - audio_done)
                aframe = av.AudioFrame(format="fltp", layout="stereo", samples=count)
                aframe.sample_rate = AUDIO_RATE
                for plane, data in zip(aframe.planes, tone, strict=True):
                    plane.update(data[: count * 4] + bytes(plane.buffer_size - count * 4))
                aframe.pts = audio_done
                aframe.time_base = Fraction(1, AUDIO_RATE)
                container.mux(audio.encode(aframe))
                audio_done += count
            if progress is not None:
                pct = int(95 * (index + 1) / total)
                if pct != last_reported and (pct - last_reported >= 5 or index == total - 1):
                    progress(pct)
                    last_reported = pct
        container.mux(video.encode(None))
        container.mux(audio.encode(None))

    if thumbnail is None:  # pragma: no cover  (seconds >= 1 always)
        thumbnail = base
    tmp_thumb = directory / (f"{THUMBNAIL_FILE}.{scratch}")
    thumbnail.save(tmp_thumb, format="WEBP", quality=80)

    tile_w = SPRITESHEET_TILE_WIDTH
    tile_h = max(1, round(spec.height * tile_w / spec.width))
    sheet = Image.new("RGB", (tile_w * SPRITESHEET_COLUMNS, tile_h * SPRITESHEET_ROWS))
    for position, index in enumerate(sheet_indices):
        tile = sheet_frames[index].resize((tile_w, tile_h), Image.Resampling.BILINEAR)
        sheet.paste(tile, ((position % SPRITESHEET_COLUMNS) * tile_w, (position // SPRITESHEET_COLUMNS) * tile_h))
    tmp_sheet = directory / (f"{SPRITESHEET_FILE}.{scratch}")
    sheet.save(tmp_sheet, format="JPEG", quality=80)

    # The video last: its presence is what "media ready" means on disk.
    tmp_thumb.replace(directory / THUMBNAIL_FILE)
    tmp_sheet.replace(directory / SPRITESHEET_FILE)
    tmp_video.replace(directory / VIDEO_FILE)
    for leftover in directory.iterdir():  # scratch files of a renderer that died half-way
        if leftover.name.count(".") > 1:
            leftover.unlink(missing_ok=True)
    if progress is not None:
        progress(100)
