from __future__ import annotations

from django.conf import settings

from videos.sora.catalog import SPRITESHEET_COLUMNS, SPRITESHEET_ROWS


def studio(request) -> dict:
    return {
        "SIGNUP_OPEN": settings.SIGNUP_OPEN,
        "SIMULATOR_ON": settings.SORA_SIMULATOR and not settings.OPENAI_API_KEY,
        "SPRITESHEET_COLUMNS": SPRITESHEET_COLUMNS,
        "SPRITESHEET_ROWS": SPRITESHEET_ROWS,
    }
