"""What a provider can do: the questions the pipeline and the pages ask instead of assuming the contract.

A provider's `profile` (JSON, written by the conformance probe) records what was measured; anything not measured
is "untested", and the pipeline then assumes the contract's behaviour but tolerates its absence (a 404/405 on a
route it tried). The built-in simulator follows the contract, so its answers are the contract's.

Profile keys (all optional):
    routes:        {"create_json", "create_multipart", "retrieve", "list", "delete", "content", "remix", "edits",
                    "extensions", "characters"}: true / false (measured) or absent (untested)
    variants:      {"video", "thumbnail", "spritesheet"}: true when the server answers that variant with its own
                   type (an image for thumbnail/spritesheet), false when it ignores `variant` or refuses it
    status_words:  {upstream word: "queued" | "in_progress" | "completed" | "failed"}: extra words seen
    models:        {name: {"sizes": [...], "seconds": [...]}}: what each model accepted
    webhooks:      true / false
    id_max_length, error_envelope, headers, cost, notes: facts for the admin's table
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROUTES = ("create_json", "create_multipart", "retrieve", "list", "delete", "content", "remix", "edits", "extensions",
          "characters")  # fmt: skip
VARIANTS = ("video", "thumbnail", "spritesheet")

# What an upstream status word means for the studio. The contract has the first four; other servers say
# "pending"/"processing" (OpenRouter, LiteLLM's Veo), "done" (xAI), "cancelled"/"expired" (OpenRouter, batches).
QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "in_progress", "completed", "failed"
STATUS_WORDS: dict[str, str] = {
    "queued": QUEUED,
    "pending": QUEUED,
    "in_progress": IN_PROGRESS,
    "processing": IN_PROGRESS,
    "running": IN_PROGRESS,
    "completed": COMPLETED,
    "succeeded": COMPLETED,
    "done": COMPLETED,
    "failed": FAILED,
    "cancelled": FAILED,
    "canceled": FAILED,
    "expired": FAILED,
    "error": FAILED,
}
# Why a job that ended in one of these words failed, when the upstream gives no error of its own.
FAILURE_REASONS = {
    "cancelled": "The provider cancelled this job.",
    "canceled": "The provider cancelled this job.",
    "expired": "The provider let this job expire before it finished.",
}


@dataclass(frozen=True)
class Capabilities:
    routes: Mapping[str, bool | None] = field(default_factory=dict)
    variants: Mapping[str, bool | None] = field(default_factory=dict)
    status_words: Mapping[str, str] = field(default_factory=dict)
    webhooks: bool | None = None
    measured: bool = False
    # What the probe saw each model refuse: {model name: {"sizes": [...], "seconds": [...]}}.
    refused: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def contract(cls) -> Capabilities:
        """The full `/v1/videos` contract, as the built-in simulator serves it."""
        return cls(routes={r: True for r in ROUTES}, variants={v: True for v in VARIANTS}, webhooks=True, measured=True)

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any] | None) -> Capabilities:
        profile = profile if isinstance(profile, Mapping) else {}

        def flags(key: str, names) -> dict[str, bool | None]:
            raw = profile.get(key) if isinstance(profile.get(key), Mapping) else {}
            return {n: raw[n] if isinstance(raw.get(n), bool) else None for n in names}

        words = profile.get("status_words") if isinstance(profile.get("status_words"), Mapping) else {}
        models = profile.get("models") if isinstance(profile.get("models"), Mapping) else {}
        refused = {
            str(name): {what: tuple(str(v) for v in entry.get(f"refused_{what}") or ()) for what in ("sizes", "seconds")}
            for name, entry in models.items()
            if isinstance(entry, Mapping)
        }
        return cls(
            routes=flags("routes", ROUTES),
            variants=flags("variants", VARIANTS),
            status_words={str(k): str(v) for k, v in words.items() if v in (QUEUED, IN_PROGRESS, COMPLETED, FAILED)},
            webhooks=profile.get("webhooks") if isinstance(profile.get("webhooks"), bool) else None,
            measured=bool(profile),
            refused=refused,
        )

    @classmethod
    def for_provider(cls, provider) -> Capabilities:
        if provider.is_simulator:
            return cls.contract()
        return cls.from_profile(provider.profile)

    # -- questions ------------------------------------------------------------------------------------------------
    def knows(self, route: str) -> bool | None:
        """True / False when measured, None when untested."""
        return self.routes.get(route)

    def supports(self, route: str) -> bool:
        """Whether to try a route: yes unless it was measured missing (untested routes are tried, and tolerated)."""
        return self.routes.get(route) is not False

    def has_characters(self) -> bool:
        """Whether the studio offers characters (contract 3.7) on this provider: only when measured (the simulator
        follows the contract). Stricter than `supports`: an untested route is not tried here, because a character
        is made before any video and a gateway may send it elsewhere (LiteLLM 1.110 sends /videos/characters to
        api.openai.com, not to its configured upstream, so the probe leaves it untested there)."""
        return self.routes.get("characters") is True

    def serves_variant(self, variant: str) -> bool:
        """Whether to download a variant from the provider (else the studio makes it from the MP4)."""
        return variant == "video" or self.variants.get(variant) is not False

    def accepts(self, model: str, *, size: str | None = None, seconds: str | int | None = None) -> bool:
        """Whether the model may be offered with this size and length: yes unless the probe saw it refused."""
        refused = self.refused.get(model, {})
        return not (
            (size is not None and size in refused.get("sizes", ()))
            or (seconds is not None and str(seconds) in refused.get("seconds", ()))
        )

    def status_of(self, word: str | None) -> str | None:
        """The studio's meaning of an upstream status word (queued, in_progress, completed, failed), or None."""
        if not word:
            return None
        word = word.strip().lower()
        return self.status_words.get(word) or STATUS_WORDS.get(word)
