"""Reference images: checked from their header, decoded only as far as the video's size needs, fitted with Pillow.

The contract wants the reference at exactly the video's size (1792×1024 at most), while a 200 KB PNG can declare 40
megapixels and a naive decode costs half a gigabyte. So, in this order:

1. Nothing is decoded before the checks that need no pixel (`check_image`): the bytes (`MAX_BYTES`; the upload
   handler in config/inputs.py keeps nothing past it), the format from the file's first bytes and the width and
   height from its header, read here before Pillow parses anything (`MAX_PIXELS`).
2. Decoding stays within `DECODE_BUDGET` bytes per image (`prepare_reference`), computed from the header before a
   pixel is decoded. A JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8 scale, just above what the target needs
   (`Image.draft`); a progressive JPEG also holds its DCT coefficients while it decodes. PNG and WebP have no such
   mode: they are decoded whole and reduced at once (`Image.reduce`), so their megapixel limit is what fits the
   budget (about 30 Mpx for an RGB PNG, 23 for a palette one; 8 Mpx, a 4K frame, for a WebP, whose decoder holds
   three copies; a progressive JPEG, 20 to 40 Mpx by its chroma subsampling).
3. At most `DECODE_SLOTS` images are decoded at once in a process; the others wait (up to `SLOT_WAIT_SECONDS`),
   and each decode's memory goes back to the system before the next may start (glibc: large blocks mapped on their
   own, then malloc_trim). A web process therefore needs at most about DECODE_SLOTS × DECODE_BUDGET for images,
   whatever the burst.

Nothing here changes process-wide state per request (no warnings filters, no Image.MAX_IMAGE_PIXELS): requests run
in threads. The one process-wide setting, glibc's mmap threshold, is made once, when this module is imported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import os
import threading
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import ExifTags, Image, ImageOps

from videos.sora.catalog import IMAGE_FORMATS

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 Mpx: a phone or camera photo; a baseline JPEG that big decodes at 1/4 scale
DECODE_BUDGET = 144 * 1024 * 1024  # bytes one image may take while decoded: a 4K WebP, a 30 Mpx RGB PNG fit
DECODE_SLOTS = 2  # images decoded at once per process (gunicorn runs 4 threads per worker)
SLOT_WAIT_SECONDS = 30.0
WEBP_BYTES_PER_PIXEL = 15  # measured with Pillow 13: the decoder's canvas, the frame it returns, the image
OVERHEAD = 8 * 1024 * 1024  # the decoders' own buffers, the PNG written (measured: 5 to 8 MB)
JPEG_SCALES = (8, 4, 2, 1)  # what libjpeg can decode at (Pillow's draft picks the largest that still fits)
_SLOTS = threading.BoundedSemaphore(DECODE_SLOTS)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 4 * 1024 * 1024


def _glibc_malloc_trim():
    """glibc's malloc_trim, after pinning its mmap threshold (once per process, at import); None elsewhere.

    glibc serves a large allocation with its own mapping, returned to the system when freed, but it raises that
    threshold to the size of each such block it frees: Pillow's 16 MB blocks then come from per-thread arenas, which
    keep them after use, so each server thread would keep its biggest image resident. Pinned at 4 MB (unless the
    operator set MALLOC_MMAP_THRESHOLD_), image memory goes back when freed; malloc_trim returns what is left."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim, mallopt = libc.malloc_trim, libc.mallopt
    except (OSError, AttributeError):
        return None
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return trim


_MALLOC_TRIM = _glibc_malloc_trim()

UNREADABLE = "This file is not a readable JPEG, PNG or WebP image."
KIND = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def _unreadable() -> ValidationError:
    return ValidationError(UNREADABLE)


# --- 1. the header ---------------------------------------------------------------------------------------------


def _jpeg_size(fh: IO[bytes]) -> tuple[int, int]:
    """Width and height from a JPEG's frame header (SOFn), walking the segments before it."""
    position = 2
    for _ in range(10_000):  # a real file has a few dozen segments before its frame header
        fh.seek(position)
        marker = fh.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            break
        code = marker[1]
        if code == 0xFF:  # a fill byte
            position += 1
            continue
        if code == 0x01 or 0xD0 <= code <= 0xD7:  # markers without a length
            position += 2
            continue
        if code in (0xD9, 0xDA):  # end of image, start of scan: no frame header came first
            break
        length = int.from_bytes(fh.read(2), "big")
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
            frame = fh.read(5)
            if length < 7 or len(frame) < 5:
                break
            return int.from_bytes(frame[3:5], "big"), int.from_bytes(frame[1:3], "big")
        if length < 2:
            break
        position += 2 + length
    raise _unreadable()


def _webp_size(head: bytes) -> tuple[int, int]:
    """Width and height from a WebP's first chunk: extended (VP8X), lossless (VP8L) or lossy (VP8)."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF
    raise _unreadable()


def _sniff(fh: IO[bytes]) -> tuple[str, int, int]:
    """(format, width, height) from the file's own first bytes, before Pillow parses any of it."""
    fh.seek(0)
    head = fh.read(32)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        if head[12:16] != b"IHDR" or len(head) < 24:
            raise _unreadable()
        return "PNG", int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP", *_webp_size(head)
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG", *_jpeg_size(fh)
    raise _unreadable()


def _check_pixels(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise _unreadable()
    if width * height > MAX_PIXELS:
        raise ValidationError(
            f"The image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {MAX_PIXELS // 1_000_000} megapixels."
        )


@dataclass(frozen=True)
class Header:
    """What the file's own header says, read without Pillow."""

    format: str  # JPEG, PNG or WEBP
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def check_image(fh) -> Header:
    """The upload checked from its bytes and header alone: JPEG/PNG/WebP, bounded bytes and pixels. Pillow does not
    see the file here: even opening one can cost (a WebP's decoder takes its canvas, a PNG's text chunks are
    inflated), so that happens in prepare_reference, within a decoding slot."""
    size = getattr(fh, "size", None)
    limit = min(MAX_BYTES, getattr(fh, "max_bytes", MAX_BYTES))  # an OversizedUpload says what the cap was
    if size is not None and size > limit:
        raise ValidationError(f"The image is {size / 1048576:.1f} MB; the limit is {limit / 1048576:g} MB.")
    try:
        fmt, width, height = _sniff(fh)
    finally:
        fh.seek(0)
    if fmt not in IMAGE_FORMATS:  # the formats the contract takes
        raise _unreadable()
    _check_pixels(width, height)
    return Header(fmt, width, height)


# --- 2. decoding within the budget -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How far to decode: `need` is the smallest size that still covers (or contains) the target, `cost` the bytes
    decoding will take at most."""

    need: tuple[int, int]
    cost: int


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow stores per pixel: one byte for 1/L/P, two for 16-bit grey, else four."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _reducible(image: Image.Image) -> Image.Image:
    """`image` in a mode Image.reduce takes (it refuses palette, bilevel and 16-bit grey)."""
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I;16"):
        return image.convert("I")
    return image


def _upright(image: Image.Image) -> bool:
    """False when the EXIF orientation turns the picture a quarter (read from the header only: never loads)."""
    if "exif" not in image.info:
        return True
    try:
        return image.getexif().get(ExifTags.Base.Orientation, 1) not in (5, 6, 7, 8)
    except Exception:  # an unreadable EXIF block: exif_transpose will ignore it too
        return True


def _target(size: str, upright: bool) -> tuple[int, int]:
    """The frame size ("1280x720") in the file's own orientation."""
    width, height = (int(n) for n in size.split("x"))
    return (width, height) if upright else (height, width)


def _need(size: tuple[int, int], target: tuple[int, int], fit: str) -> tuple[int, int]:
    width, height = size
    scale = (max if fit == "cover" else min)(target[0] / width, target[1] / height)
    scale = min(scale, 1.0)
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _jpeg_scale(size: tuple[int, int], need: tuple[int, int]) -> int:
    """The scale libjpeg will decode at for `need` (the same arithmetic as Pillow's JpegImageFile.draft)."""
    most = min(size[0] // need[0], size[1] // need[1])
    return next(s for s in JPEG_SCALES if most >= s)


def _coefficient_bytes(image: Image.Image) -> int:
    """A progressive JPEG keeps every DCT coefficient (2 bytes each) of every component until its last scan."""
    if image.format != "JPEG" or not image.info.get("progressive"):
        return 0
    layers = getattr(image, "layer", None) or []
    if layers:
        most_h = max(layer[1] for layer in layers) or 1
        most_v = max(layer[2] for layer in layers) or 1
        share = sum(layer[1] * layer[2] for layer in layers) / (most_h * most_v)
    else:
        share = len(image.getbands())
    return math.ceil(2 * image.width * image.height * share)


def plan(
    fmt: str,
    size: tuple[int, int],
    mode: str,
    size_wanted: str,
    fit: str,
    *,
    upright: bool = True,
    coefficients: int = 0,
) -> Plan:
    """What decoding a `fmt` image of `size` pixels in `mode` for a `size_wanted` ("1280x720") frame takes: JPEG is
    decoded scaled, any other format whole."""
    width, height = size
    pixels = width * height
    target = _target(size_wanted, True)
    need = _need(size, _target(size_wanted, upright), fit)
    extra = 0
    if fmt == "JPEG":
        scale = _jpeg_scale(size, need)
        decoded = (math.ceil(width / scale), math.ceil(height / scale))
        cost = decoded[0] * decoded[1] * _bytes_per_pixel(mode) + coefficients
    elif fmt == "WEBP":
        decoded = size
        cost = pixels * WEBP_BYTES_PER_PIXEL
    else:
        decoded = size
        cost = pixels * _bytes_per_pixel(mode) + coefficients
        if mode in ("P", "1") or mode.startswith("I;16"):
            extra = pixels * (1 if mode == "1" else 4)  # the copy Image.reduce can take
    factor = max(1, min(decoded[0] // need[0], decoded[1] // need[1]))
    reduced = math.ceil(decoded[0] / factor) * math.ceil(decoded[1] / factor) * 4
    if factor == 1:
        extra = 0  # nothing to reduce, no copy to reduce from
    # Copies of the reduced image: the reduction itself, then one to turn it upright or into RGB.
    copies = (factor > 1) + (mode != "RGB" or not upright)
    # Then the fitted frame and the decoders' own buffers.
    return Plan(need=need, cost=cost + extra + reduced * copies + target[0] * target[1] * 4 + OVERHEAD)


def _plan_of(image: Image.Image, size: str, fit: str) -> Plan:
    return plan(
        image.format or "", image.size, image.mode, size, fit,
        upright=_upright(image), coefficients=_coefficient_bytes(image),
    )  # fmt: skip


def _too_costly(header: Header, kind: str, cost: int) -> ValidationError:
    # Cost grows with the pixels, past a fixed part: what would fit, for the same picture scaled down.
    fits = header.pixels * (DECODE_BUDGET - OVERHEAD) / max(1, cost - OVERHEAD) / 1e6
    hint = " or save it as a JPEG" if kind != "JPEG" else ""
    return ValidationError(
        f"The image is {header.width}×{header.height} ({header.pixels / 1e6:.0f} megapixels): too large to "
        f"prepare safely as a {kind}, which can be about {max(1, math.floor(fits))} megapixels here. "
        f"Scale it down{hint}."
    )


def _fit(image: Image.Image, size: str, fit: str) -> Image.Image:
    """An upright RGB image at exactly `size` ("1280x720"): cover-cropped or letterboxed."""
    target = _target(size, True)
    if fit == "contain":
        return ImageOps.pad(image, target, method=Image.Resampling.LANCZOS, color=(0, 0, 0))
    return ImageOps.fit(image, target, method=Image.Resampling.LANCZOS)


def decode_image(image: Image.Image, size: str, fit: str = "cover") -> Image.Image:
    """`image` (opened, not loaded) as the `size` frame, decoded no further than that needs: a JPEG scaled down by
    libjpeg while it decodes, other formats decoded whole and reduced at once; then turned upright and fitted."""
    if image.format == "JPEG" and not image.decoderconfig:  # not drafted yet
        image.draft(None, _plan_of(image, size, fit).need)
    image.load()
    # A PNG may carry its EXIF after the pixels: only now is it known whether the picture turns.
    need = _need(image.size, _target(size, _upright(image)), fit)
    factor = max(1, min(image.width // need[0], image.height // need[1]))
    work = _reducible(image).reduce(factor) if factor > 1 else image
    if "exif" in work.info and work.getexif().get(ExifTags.Base.Orientation, 1) != 1:
        work = ImageOps.exif_transpose(work)
    if work.mode != "RGB":
        work = work.convert("RGB")
    return _fit(work, size, fit)


def _decoded(fh, header: Header, size: str, fit: str) -> Image.Image:
    """Open, check the cost, decode: the fitted frame. The full-size image and its decoder are gone on return."""
    kind = KIND[header.format]
    if header.format == "WEBP":
        # Checked before Pillow opens it: a WebP's decoder takes its canvas as soon as it is created.
        cost = plan(header.format, (header.width, header.height), "RGB", size, fit).cost
        if cost > DECODE_BUDGET:
            raise _too_costly(header, kind, cost)
    fh.seek(0)
    with Image.open(fh, formats=[header.format]) as image:
        if image.size != (header.width, header.height):
            raise _unreadable()  # the file says two things: believe neither
        planned = _plan_of(image, size, fit)
        if image.format == "JPEG" and image.draft(None, planned.need) is None:
            # libjpeg will not scale this one: it decodes whole, and must fit the budget whole.
            planned = plan("", image.size, image.mode, size, fit, coefficients=_coefficient_bytes(image))
        if planned.cost > DECODE_BUDGET:
            raise _too_costly(header, "progressive JPEG" if _coefficient_bytes(image) else kind, planned.cost)
        return decode_image(image, size, fit)


def prepare_reference(fh, header: Header, size: str, fit: str = "cover") -> ContentFile:
    """The reference file for a `size` video (PNG): decoded within DECODE_BUDGET bytes, once a decoding slot is
    free."""
    if not _SLOTS.acquire(timeout=SLOT_WAIT_SECONDS):
        raise ValidationError("The studio is busy preparing other images; submit the form again in a moment.")
    try:
        fitted = _png(_decoded(fh, header, size, fit), size)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError("The image has too many pixels to be processed safely.") from None
    except Exception:  # a malformed header, truncated or corrupt pixel data
        raise _unreadable() from None
    finally:
        fh.seek(0)
        # Hand the freed pages back before the next image may start (see _glibc_malloc_trim).
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)
        _SLOTS.release()
    return fitted


def _png(frame: Image.Image, size: str) -> ContentFile:
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=False)
    return ContentFile(out.getvalue(), name=f"reference-{size}.png")


def fit_image(image: Image.Image, size: str, fit: str) -> ContentFile:
    """A decoded image at exactly `size` (e.g. "1280x720"), cover-cropped or letterboxed, as PNG. For an image
    already in memory; an upload goes through check_image and prepare_reference."""
    return _png(_fit(ImageOps.exif_transpose(image).convert("RGB"), size, fit), size)
