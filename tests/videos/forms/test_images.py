"""Reference images: sizes read from the header, refusals before any decoding, bounded memory for a burst of
uploads, a cap on concurrent decodes, and no process-wide state changed while checking (threads serve requests)."""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import image_bytes
from videos import images
from videos.forms import VideoCreateForm

MB = 1024 * 1024


def _image(fmt: str, size: tuple[int, int], mode: str = "RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 40) if mode == "RGB" else 128).save(out, format=fmt, **options)
    return out.getvalue()


def _noisy_png(size: tuple[int, int]) -> bytes:
    """A PNG whose pixel data weighs far more than its header: noise over a strip, the rest one colour."""
    image = Image.new("RGB", size, (20, 90, 160))
    image.paste(Image.frombytes("RGB", (size[0], 300), os.urandom(size[0] * 300 * 3)), (0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


class CountingUpload(SimpleUploadedFile):
    """An upload that counts the bytes read from it and notes the process-wide state seen while it is read."""

    def __init__(self, name: str, content: bytes) -> None:
        super().__init__(name, content, content_type="application/octet-stream")
        self.bytes_read = 0
        self.seen: list[tuple] = []

    def read(self, *args):
        data = super().read(*args)
        self.bytes_read += len(data)
        self.seen.append((list(warnings.filters), Image.MAX_IMAGE_PIXELS))
        return data


def _form(upload, size: str = "1280x720", model: str = "sora-2", fit: str = "cover") -> VideoCreateForm:
    data = {"prompt": "A kite over the park", "model": model, "size": size, "seconds": "4", "input_fit": fit}
    return VideoCreateForm(data, {"input_reference": upload})


def _status(key: str) -> int:
    return int(re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1)) * 1024


def _peak_while(work) -> int:
    """Bytes the process's resident memory rose to above where it was, while `work()` ran (Linux: VmHWM is reset
    through /proc/self/clear_refs, then read)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    work()
    return _status("VmHWM") - before


# --- the header -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, mode, options",
    [
        ("PNG", "RGB", {}),
        ("PNG", "P", {}),
        ("JPEG", "RGB", {}),
        ("JPEG", "RGB", {"progressive": True}),
        ("JPEG", "L", {}),
        ("JPEG", "RGB", {"exif": b"Exif\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08\x00\x00" + b"\x00" * 600}),
        ("WEBP", "RGB", {}),  # lossy: a VP8 chunk
        ("WEBP", "RGB", {"lossless": True}),  # VP8L
        ("WEBP", "RGBA", {}),  # with alpha: VP8X
    ],
)
def test_the_header_gives_the_size_pillow_reads(fmt, mode, options):
    content = _image(fmt, (1234, 567), mode, **options)

    header = images.check_image(SimpleUploadedFile("ref", content))

    assert (header.width, header.height) == Image.open(io.BytesIO(content)).size == (1234, 567)


@pytest.mark.parametrize(
    "content",
    [b"", b"GIF89a" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n" + b"\x00" * 4, b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 8,
     b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 4, image_bytes("GIF"), image_bytes("BMP")],
)  # fmt: skip
def test_a_file_that_is_no_jpeg_png_or_webp_is_refused_as_unreadable(content):
    with pytest.raises(ValidationError, match="not a readable JPEG, PNG or WebP"):
        images.check_image(SimpleUploadedFile("ref", content))


def test_a_40_megapixel_png_is_refused_before_a_pixel_is_decoded(db):
    upload = CountingUpload("big.png", _noisy_png((6320, 6320)))

    form = _form(upload)

    assert not form.is_valid()
    assert "6320×6320 (40 megapixels): too large to prepare safely as a PNG" in form.errors["input_reference"][0]
    assert upload.bytes_read < 64 * 1024 < upload.size / 10, "the pixel data was read"


def test_a_large_webp_is_refused_before_pillow_opens_it(db):
    upload = CountingUpload("big.webp", _image("WEBP", (5000, 4000), method=0))

    form = _form(upload)

    assert not form.is_valid()
    assert "as a WebP" in form.errors["input_reference"][0]
    assert upload.bytes_read <= 64  # the first chunk's header, no more


def test_a_png_declaring_more_than_40_megapixels_is_refused_from_its_header(db):
    # A header claiming 20000 × 20000, and no pixel data at all: decoding would fail, checking does not get there.
    ihdr = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (20000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    form = _form(SimpleUploadedFile("bomb.png", ihdr + b"\x00" * 64))

    assert not form.is_valid()
    assert "20000×20000 (400 megapixels); the limit is 40 megapixels" in form.errors["input_reference"][0]


def test_a_truncated_image_is_refused_as_unreadable(db):
    content = _noisy_png((1600, 900))

    form = _form(SimpleUploadedFile("cut.png", content[: len(content) // 2]))

    assert not form.is_valid()
    assert "not a readable JPEG, PNG or WebP" in form.errors["input_reference"][0]


# --- decoding: bounded, and no further than the size needs ------------------------------------------------------


@pytest.mark.parametrize(
    "content, size, fit",
    [
        (_image("JPEG", (4000, 3000)), "1792x1024", "cover"),
        (_image("PNG", (3000, 4000), "P"), "1280x720", "contain"),
        (_image("WEBP", (1000, 700), "RGBA"), "720x1280", "cover"),
        (_image("PNG", (200, 100), "L"), "1280x720", "cover"),
    ],
)
def test_the_reference_is_fitted_to_exactly_the_video_size(db, content, size, fit):
    form = _form(SimpleUploadedFile("ref", content), size=size, model="sora-2-pro", fit=fit)

    assert form.is_valid(), form.errors
    with Image.open(form.fitted_reference()) as fitted:
        assert fitted.format == "PNG" and fitted.mode == "RGB"
        assert fitted.size == tuple(int(n) for n in size.split("x"))


def test_a_photo_turned_by_its_exif_is_fitted_upright(db):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: turn a quarter clockwise to show
    source = Image.new("RGB", (1600, 900), (255, 0, 0))
    source.paste((0, 0, 255), (0, 0, 800, 900))  # left half blue as stored: the top half once upright
    out = io.BytesIO()
    source.save(out, format="JPEG", exif=exif)

    form = _form(SimpleUploadedFile("phone.jpg", out.getvalue()), size="720x1280")

    assert form.is_valid(), form.errors
    with Image.open(form.fitted_reference()) as fitted:
        assert fitted.size == (720, 1280)
        top, bottom = fitted.getpixel((360, 100)), fitted.getpixel((360, 1180))
        assert top[2] > 200 > top[0] and bottom[0] > 200 > bottom[2], (top, bottom)


def test_a_40_megapixel_jpeg_is_decoded_scaled_down(db):
    # Whole, its pixels would take 160 MB; libjpeg decodes it at a quarter of its width and height.
    form = _form(SimpleUploadedFile("camera.jpg", _image("JPEG", (7744, 5164))), size="1792x1024", model="sora-2-pro")

    peak = _peak_while(lambda: form.is_valid() and form.fitted_reference())

    assert not form.errors
    assert peak < 60 * MB, f"{peak / MB:.0f} MB"


def test_a_burst_of_uploads_stays_within_the_decoding_budget(db):
    """Eight large uploads at once, as eight browser tabs would send them: the process needs at most the decoding
    slots' budget, not eight images' worth (before, eight such PNGs took gigabytes)."""
    uploads = {
        "png": _image("PNG", (6000, 4000)),  # 24 Mpx, decoded whole
        "jpeg": _image("JPEG", (7744, 5164)),  # 40 Mpx, decoded at 1/4
        "webp": _image("WEBP", (3840, 2160)),  # a 4K frame, decoded whole
    }
    forms = [_form(SimpleUploadedFile(f"ref.{kind}", content), size="1792x1024", model="sora-2-pro")
             for kind, content in list(uploads.items()) * 3][:8]  # fmt: skip
    barrier = threading.Barrier(len(forms))
    results = []

    def check(form):
        barrier.wait(30)
        results.append(form.is_valid() and form.fitted_reference() is not None)

    def burst():
        threads = [threading.Thread(target=check, args=(form,)) for form in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)

    peak = _peak_while(burst)

    assert results == [True] * len(forms), [f.errors for f in forms]
    assert peak < images.DECODE_SLOTS * images.DECODE_BUDGET + 64 * MB, f"{peak / MB:.0f} MB"


def test_only_a_few_images_are_decoded_at_once(db, monkeypatch):
    monkeypatch.setattr(images, "SLOT_WAIT_SECONDS", 0.2)
    for _ in range(images.DECODE_SLOTS):
        images._SLOTS.acquire()
    try:
        busy = _form(SimpleUploadedFile("ref.png", _image("PNG", (640, 360))))
        assert not busy.is_valid()
        assert "busy preparing other images" in busy.errors["input_reference"][0]
    finally:
        for _ in range(images.DECODE_SLOTS):
            images._SLOTS.release()
    again = _form(SimpleUploadedFile("ref.png", _image("PNG", (640, 360))))
    assert again.is_valid(), again.errors


# --- no process-wide state --------------------------------------------------------------------------------------


def test_checking_an_image_changes_no_process_wide_state(db):
    """Requests run in threads: what one request sets for the process (a warnings filter, Pillow's pixel limit)
    another sees half-way. Nothing may be different while an image is read."""
    before = (list(warnings.filters), Image.MAX_IMAGE_PIXELS)
    upload = CountingUpload("ref.png", _noisy_png((1600, 900)))

    form = _form(upload)

    assert form.is_valid(), form.errors
    assert upload.seen, "the image was never read"
    assert all(seen == before for seen in upload.seen)
    assert (list(warnings.filters), Image.MAX_IMAGE_PIXELS) == before


def test_a_burst_of_checks_in_threads_leaves_warnings_and_pillow_as_they_were(db):
    before = (list(warnings.filters), Image.MAX_IMAGE_PIXELS)
    contents = [_noisy_png((1200 + 40 * n, 700)) for n in range(6)]
    contents += [b"not an image", _image("PNG", (7000, 7000), "1"), _noisy_png((1200, 700))[:5000]]
    forms = [_form(SimpleUploadedFile("ref.png", content)) for content in contents * 2]
    barrier = threading.Barrier(len(forms))

    def check(form):
        barrier.wait(30)
        form.is_valid()

    threads = [threading.Thread(target=check, args=(form,)) for form in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert (list(warnings.filters), Image.MAX_IMAGE_PIXELS) == before
    assert sum(not f.errors for f in forms) == 12  # the readable ones passed, the others were refused
