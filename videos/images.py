"""Reference images: checked and fitted with Pillow, because the contract wants the exact video size."""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from videos.sora.catalog import IMAGE_FORMATS

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 Mpx: far above any useful reference, far below a decompression bomb


def check_image(fh) -> Image.Image:
    """Open an uploaded image safely: JPEG/PNG/WebP only, bounded bytes and pixels, no decompression bombs."""
    size = getattr(fh, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(f"The image is {size / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB.")
    fh.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fh)
            # The header gives the size before any pixel is decoded.
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                    f"the limit is {MAX_PIXELS // 1_000_000} megapixels."
                )
            if image.format not in IMAGE_FORMATS:
                raise ValidationError(f"Use a JPEG, PNG or WebP image (this file is {image.format or 'unknown'}).")
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("The image has too many pixels to be processed safely.") from None
    except Exception:
        raise ValidationError("This file is not a readable JPEG, PNG or WebP image.") from None
    finally:
        fh.seek(0)
    return image


def fit_image(image: Image.Image, size: str, fit: str) -> ContentFile:
    """The image at exactly `size` (e.g. "1280x720"): cover-cropped or letterboxed, as PNG."""
    width, height = (int(n) for n in size.split("x"))
    image = ImageOps.exif_transpose(image).convert("RGB")
    if fit == "contain":
        fitted = ImageOps.pad(image, (width, height), method=Image.Resampling.LANCZOS, color=(0, 0, 0))
    else:
        fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="PNG", optimize=False)
    return ContentFile(out.getvalue(), name=f"reference-{size}.png")
