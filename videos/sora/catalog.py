"""The models of the /v1/videos contract, as data (contract file sections 2.1, 3.1 and 7).

This is the built-in catalogue: the simulator serves exactly these, and the studio's model registry is seeded
from it (an admin can add models served by another compatible server there).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SIZES_720P = ("720x1280", "1280x720")
SIZES_1024P = ("1024x1792", "1792x1024")
ALL_SIZES = SIZES_720P + SIZES_1024P
SECONDS = ("4", "8", "12")
DEFAULT_MODEL = "sora-2"
DEFAULT_SIZE = "720x1280"
DEFAULT_SECONDS = "4"
PROMPT_MAX_LENGTH = 32000

# A finished job's content variants (contract 3.5): MIME type and the file extension it is saved with.
CONTENT = {"video": ("video/mp4", "mp4"), "thumbnail": ("image/webp", "webp"), "spritesheet": ("image/jpeg", "jpg")}
VARIANTS = tuple(CONTENT)
# Image formats an input_reference may be (contract 3.1), by Pillow's format name.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str  # the base model a snapshot belongs to
    # USD per second of video, by size
    prices: dict[str, Decimal]
    seconds: tuple[str, ...] = SECONDS

    @property
    def sizes(self) -> tuple[str, ...]:
        return tuple(self.prices)

    def price_per_second(self, size: str) -> Decimal:
        return self.prices[size]

    def cost(self, size: str, seconds: int | str) -> Decimal:
        return self.prices[size] * int(seconds)


_SORA_2 = {size: Decimal("0.10") for size in SIZES_720P}
_SORA_2_PRO = {**{size: Decimal("0.30") for size in SIZES_720P}, **{size: Decimal("0.50") for size in SIZES_1024P}}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("sora-2", "sora-2", _SORA_2),
        ModelSpec("sora-2-pro", "sora-2-pro", _SORA_2_PRO),
        ModelSpec("sora-2-2025-10-06", "sora-2", _SORA_2),
        ModelSpec("sora-2-2025-12-08", "sora-2", _SORA_2),
        ModelSpec("sora-2-pro-2025-10-06", "sora-2-pro", _SORA_2_PRO),
    )
}

# The spritesheet layout the simulator renders and the gallery's hover-scrub reads: a single JPEG holding
# SPRITESHEET_COLUMNS x SPRITESHEET_ROWS equal tiles, frames in time order, left to right then top to bottom.
# (OpenAI never documented its own layout; a real server's sheet is shown whole if it differs.)
SPRITESHEET_COLUMNS = 5
SPRITESHEET_ROWS = 2
SPRITESHEET_TILE_WIDTH = 160
