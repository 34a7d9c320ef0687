"""Errors of the Team API in the contract's envelope: `{"error": {"message", "type", "param", "code"}}`.

The simulator's ApiError is the contract's error (videos/sora/simulator/errors.py); the Team API answers with the
same class and helpers, so both servers word their 400s alike.
"""

from __future__ import annotations

from videos.sora.simulator.errors import INVALID, ApiError, invalid_type, invalid_value, json_type, supported

__all__ = ["INVALID", "ApiError", "invalid_type", "invalid_value", "json_type", "supported", "not_found"]


def not_found(video_id: str, param: str = "video_id") -> ApiError:
    return ApiError(404, f"No video found with id '{video_id}'.", param=param, code=None)
