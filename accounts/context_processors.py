from __future__ import annotations

from django.conf import settings


def studio(request) -> dict:
    return {"SIGNUP_OPEN": settings.SIGNUP_OPEN, "SIMULATOR_ON": settings.SORA_SIMULATOR and not settings.OPENAI_API_KEY}
